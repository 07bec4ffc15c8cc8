"""LoRA formatting, training, saving and the errors a learner sees (tiny random model, a few seconds each)."""

import json
from dataclasses import replace

import pytest
import torch
from transformers import TrainerCallback

from course_utils import finetune, models
from course_utils.config import get_config
from course_utils.finetune import CheckpointNotFoundError, FinetuneError, LoraSettings, TrainSettings
from course_utils.formatting import (
    IGNORE_INDEX,
    FormattingError,
    build_training_set,
    pad_batch,
    to_messages,
    tokenize_conversation,
)

ROWS = [
    {"prompt": f"Record for {name}, age {age}", "answer": json.dumps({"name": name, "age": age})}
    for name, age in [("Ann", 3), ("Bob", 41), ("Cy", 7), ("Di", 15), ("Ed", 22), ("Flo", 9), ("Gus", 5), ("Hal", 60)]
]
TINY = TrainSettings(steps=3, batch_size=2, max_length=64, save_steps=2, learning_rate=5e-3, warmup_steps=0)


@pytest.fixture(scope="module")
def tokenizer():
    return models.load_generator()[1]  # the real chat template; the model is loaded once and dropped


def tiny_model(seed=0):
    """A 2-layer Llama with SmolLM2's vocabulary and random weights: same layer names, ~1.6 M parameters."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=49152, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True, pad_token_id=2,
    )
    return LlamaForCausalLM(config).eval()


@pytest.fixture
def config(tmp_path):
    return get_config(cache_dir=tmp_path)


# ---------------------------------------------------------------- formatting


def test_only_the_answer_and_end_of_turn_are_learned(tokenizer):
    example = tokenize_conversation(tokenizer, to_messages("What is 2+2?", "Four."), max_length=128)
    learned = [t for t, label in zip(example["input_ids"], example["labels"]) if label != IGNORE_INDEX]
    assert tokenizer.decode(learned) == "Four.<|im_end|>\n"
    first = example["labels"].index(learned[0])
    assert all(label == IGNORE_INDEX for label in example["labels"][:first])
    # the unlabelled part is exactly what the model sees at generation time
    prompt = tokenizer.apply_chat_template(to_messages("What is 2+2?", "Four.")[:-1], tokenize=False, add_generation_prompt=True)
    assert example["input_ids"][:first] == tokenizer(prompt, add_special_tokens=False)["input_ids"]


def test_system_prompt_goes_into_the_masked_part(tokenizer):
    with_system = build_training_set(tokenizer, ROWS[:1], 128, system="Answer in JSON.")[0]
    without = build_training_set(tokenizer, ROWS[:1], 128)[0]
    n_learned = lambda e: sum(label != IGNORE_INDEX for label in e["labels"])  # noqa: E731
    assert n_learned(with_system) == n_learned(without)
    assert "Answer in JSON." in tokenizer.decode(with_system["input_ids"])
    assert "SmolLM" in tokenizer.decode(without["input_ids"])  # the template's default system prompt


def test_pad_batch_pads_right_and_never_learns_padding(tokenizer):
    examples = build_training_set(tokenizer, ROWS[:2] + [{"prompt": "x", "answer": "y"}], 64)
    batch = pad_batch(examples, tokenizer.pad_token_id)
    lengths = [len(e["input_ids"]) for e in examples]
    assert batch["input_ids"].shape == (3, max(lengths))
    for row, n in enumerate(lengths):
        assert batch["attention_mask"][row, :n].all() and not batch["attention_mask"][row, n:].any()
        assert (batch["labels"][row, n:] == IGNORE_INDEX).all()
    learned = sum(sum(label != IGNORE_INDEX for label in e["labels"]) for e in examples)
    assert batch["logits_to_keep"].sum() == learned == len(batch["shift_labels"])


def test_answer_only_logits_give_the_same_loss_as_the_full_logits(tokenizer):
    model = tiny_model()
    examples = build_training_set(tokenizer, ROWS[:4], 64)
    full = model(**pad_batch(examples, tokenizer.pad_token_id, answer_logits_only=False)).loss
    trimmed = model(**pad_batch(examples, tokenizer.pad_token_id, answer_logits_only=True)).loss
    assert torch.allclose(full, trimmed, atol=1e-5)


# ---------------------------------------------------------------- LoRA parameters


@pytest.mark.parametrize("rank,targets", [(4, ("q_proj", "v_proj")), (8, finetune.ATTENTION), (2, finetune.ATTENTION + finetune.MLP)])
def test_trainable_parameters_match_the_lora_formula(rank, targets):
    model = tiny_model()
    shapes = {name.rsplit(".", 1)[-1]: (m.in_features, m.out_features) for name, m in model.named_modules()
              if isinstance(m, torch.nn.Linear)}
    layers = model.config.num_hidden_layers
    expected = sum(layers * rank * (shapes[t][0] + shapes[t][1]) for t in targets)  # A: r x in, B: out x r
    total_before = finetune.count_parameters(model).total
    peft_model = finetune.add_lora(model, LoraSettings(rank=rank, target_modules=targets))
    count = finetune.count_parameters(peft_model)
    assert count.trainable == expected
    assert count.total == total_before + expected
    assert 0 < count.fraction < 1


def test_linear_layer_names_are_the_llama_projections():
    assert finetune.linear_layer_names(tiny_model()) == sorted(finetune.ATTENTION + finetune.MLP + ("lm_head",))


# ---------------------------------------------------------------- training


def test_training_lowers_the_loss_saves_and_reloads_the_adapter(tokenizer, config):
    model = tiny_model()
    settings = TrainSettings(steps=6, batch_size=4, max_length=64, save_steps=3, learning_rate=1e-2, warmup_steps=0)
    result = finetune.train_lora(model, tokenizer, ROWS, "tiny", settings=settings, config=config)
    assert [step for step, _ in result.loss_history] == list(range(1, 7))
    assert result.loss_history[-1][1] < result.loss_history[0][1]
    assert not result.model.training and result.examples == len(ROWS)
    assert (result.adapter_dir / "adapter_config.json").exists() and (result.run_dir / "checkpoint-6").exists()
    assert finetune.folder_size_mb(result.adapter_dir) < 1  # only LoRA weights, not the 1.6 M base parameters

    batch = pad_batch(build_training_set(tokenizer, ROWS[:2], 64), tokenizer.pad_token_id, answer_logits_only=False)
    batch.pop("labels")
    with torch.no_grad():
        tuned = result.model(**batch).logits
        reloaded = finetune.load_adapter(finetune.remove_lora(result.model), result.adapter_dir)
        assert torch.allclose(reloaded(**batch).logits, tuned, atol=1e-5)
        merged = finetune.merge_lora(reloaded)
        assert not finetune.has_lora(merged)
        assert torch.allclose(merged(**batch).logits, tuned, atol=1e-4)
        plain = tiny_model()(**batch).logits
        assert not torch.allclose(plain, tuned, atol=1e-4)  # the adapter really changed the outputs


def test_training_is_repeatable_with_the_seed(tokenizer, config):
    first = finetune.train_lora(tiny_model(), tokenizer, ROWS, "a", settings=TINY, config=config).loss_history
    second = finetune.train_lora(tiny_model(), tokenizer, ROWS, "b", settings=TINY, config=config).loss_history
    assert first == second


def test_micro_batches_give_the_same_training_as_one_batch(tokenizer, config):
    """Gradient accumulation: 2 passes of 2 examples make the same steps as batches of 4 (up to float rounding)."""
    from dataclasses import replace

    whole = replace(TINY, batch_size=4)
    one = finetune.train_lora(tiny_model(), tokenizer, ROWS, "whole", settings=whole, config=config).loss_history
    two = finetune.train_lora(tiny_model(), tokenizer, ROWS, "micro", settings=replace(whole, micro_batches=2),
                              config=config).loss_history
    assert [step for step, _ in one] == [step for step, _ in two] == [1, 2, 3]
    assert [loss for _, loss in two] == pytest.approx([loss for _, loss in one], rel=1e-4)


def test_pad_batch_rounds_the_width_up_to_a_multiple(tokenizer):
    examples = build_training_set(tokenizer, ROWS[:2], 64)
    width = max(len(e["input_ids"]) for e in examples)
    batch = pad_batch(examples, tokenizer.pad_token_id, pad_to_multiple_of=32)
    assert batch["input_ids"].shape[1] == -(-width // 32) * 32 > width
    plain = pad_batch(examples, tokenizer.pad_token_id)
    assert plain["input_ids"].shape[1] == width
    assert torch.equal(batch["shift_labels"], plain["shift_labels"])  # padding adds nothing to learn


@pytest.mark.skipif(not finetune.bf16_supported(), reason="this CPU has no bfloat16 instructions")
def test_bf16_training_leaves_a_model_that_generates_in_fp32(tokenizer, config):
    """Mixed precision wraps the model's forward in bf16 autocast; after training it must be gone, or every later
    answer would silently come from bf16 arithmetic, whatever precision the caller chose for generation."""
    result = finetune.train_lora(tiny_model(), tokenizer, ROWS, "bf16", settings=replace(TINY, precision="bf16"),
                                 config=config)
    assert result.precision == "bf16"
    batch = pad_batch(build_training_set(tokenizer, ROWS[:2], 64), tokenizer.pad_token_id, answer_logits_only=False)
    batch.pop("labels")
    with torch.no_grad():
        tuned = result.model(**batch).logits
        fresh = finetune.load_adapter(tiny_model(), result.adapter_dir)(**batch).logits  # fp32, never autocast
    assert torch.allclose(tuned, fresh, atol=1e-5)


def test_precision_is_checked_and_auto_follows_the_processor(monkeypatch):
    with pytest.raises(FinetuneError, match="precision must be one of"):
        TrainSettings(precision="fp16")
    monkeypatch.setattr(finetune, "bf16_supported", lambda device="cpu": False)
    assert finetune.training_precision(TrainSettings(precision="auto")) == "fp32"
    with pytest.raises(FinetuneError, match="no bfloat16 instructions"):
        finetune.training_precision(TrainSettings(precision="bf16"))
    monkeypatch.setattr(finetune, "bf16_supported", lambda device="cpu": True)
    assert finetune.training_precision(TrainSettings(precision="auto")) == "bf16"
    assert finetune.training_precision(TrainSettings(precision="fp32")) == "fp32"


class StopAfter(TrainerCallback):
    """Simulates an interrupted run (a closed laptop): stop training after `step` steps."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        control.should_training_stop = state.global_step >= self.step


def test_resuming_continues_an_interrupted_run_exactly(tokenizer, config):
    straight = finetune.train_lora(tiny_model(), tokenizer, ROWS, "straight", settings=TINY, config=config)
    stopped = finetune.train_lora(tiny_model(), tokenizer, ROWS, "resumed", settings=TINY, callbacks=[StopAfter(2)], config=config)
    assert stopped.steps == 2 and (stopped.run_dir / "checkpoint-2").exists()
    resumed = finetune.train_lora(tiny_model(), tokenizer, ROWS, "resumed", settings=TINY, resume=True, config=config)
    assert resumed.steps == 3
    assert [s for s, _ in resumed.loss_history] == [1, 2, 3]  # the checkpoint's history plus the new step
    assert [loss for _, loss in resumed.loss_history] == pytest.approx([loss for _, loss in straight.loss_history], rel=1e-5)


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("rank", [0, -4])
def test_rank_must_be_positive(rank):
    with pytest.raises(FinetuneError, match="positive integer"):
        LoraSettings(rank=rank)


def test_unknown_target_modules_are_named_with_the_valid_ones():
    with pytest.raises(FinetuneError, match=r"\['query'\] do not exist.*q_proj"):
        finetune.add_lora(tiny_model(), LoraSettings(target_modules=("q_proj", "query")))


def test_a_model_cannot_get_lora_twice():
    model = finetune.add_lora(tiny_model())
    with pytest.raises(FinetuneError, match="remove_lora"):
        finetune.add_lora(model)


def test_empty_training_set(tokenizer, config):
    with pytest.raises(FormattingError, match="empty"):
        finetune.train_lora(tiny_model(), tokenizer, [], "empty", settings=TINY, config=config)


def test_rows_without_the_expected_fields(tokenizer):
    with pytest.raises(FormattingError, match=r"Row 1 has no field\(s\) \['answer'\]"):
        build_training_set(tokenizer, [ROWS[0], {"prompt": "hi", "reply": "yo"}], 64)
    with pytest.raises(FormattingError, match="non-empty string"):
        build_training_set(tokenizer, [{"prompt": "hi", "answer": ""}], 64)


def test_max_length_shorter_than_the_prompt(tokenizer):
    with pytest.raises(FormattingError, match="prompt alone is .* tokens but max_length is 16"):
        build_training_set(tokenizer, ROWS[:1], 16)


def test_too_long_examples_raise_or_are_dropped(tokenizer):
    rows = ROWS[:2] + [{"prompt": "short", "answer": "word " * 80}]
    with pytest.raises(FormattingError, match="Row 2: .*drop_too_long"):
        build_training_set(tokenizer, rows, 64)
    assert len(build_training_set(tokenizer, rows, 64, drop_too_long=True)) == 2


def test_drop_too_long_is_decided_by_the_error_class_not_its_wording(tokenizer):
    from course_utils.formatting import ExampleTooLongError

    rows = ROWS[:2] + [{"prompt": "short", "answer": "word " * 80}]
    with pytest.raises(ExampleTooLongError):
        build_training_set(tokenizer, rows, 64)
    # a prompt that alone is too long is another mistake (max_length far too small): never skipped
    with pytest.raises(FormattingError, match="prompt alone") as info:
        build_training_set(tokenizer, ROWS[:1], 16, drop_too_long=True)
    assert not isinstance(info.value, ExampleTooLongError)


def test_add_lora_starts_the_same_and_leaves_the_callers_random_state_alone():
    import random

    import numpy as np

    plain_1, plain_2 = tiny_model(), tiny_model()  # (tiny_model seeds torch itself)
    random.seed(7), np.random.seed(7), torch.manual_seed(7)
    expected = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    random.seed(7), np.random.seed(7), torch.manual_seed(7)
    first = finetune.add_lora(plain_1, seed=3)
    after = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    assert after == expected  # nothing was reseeded behind the caller's back
    second = finetune.add_lora(plain_2, seed=3)
    a1 = [p for n, p in first.named_parameters() if "lora_A" in n]
    a2 = [p for n, p in second.named_parameters() if "lora_A" in n]
    assert a1 and all(torch.equal(x, y) for x, y in zip(a1, a2))


def test_resuming_without_a_checkpoint(tokenizer, config):
    with pytest.raises(CheckpointNotFoundError, match="no checkpoint in"):
        finetune.train_lora(tiny_model(), tokenizer, ROWS, "never-trained", settings=TINY, resume=True, config=config)
    with pytest.raises(CheckpointNotFoundError, match="No checkpoint at"):
        finetune.train_lora(tiny_model(), tokenizer, ROWS, "x", settings=TINY, resume=config.cache_dir / "nope", config=config)


def test_loading_a_missing_adapter(tmp_path):
    with pytest.raises(CheckpointNotFoundError, match="No adapter found"):
        finetune.load_adapter(tiny_model(), tmp_path / "missing")


@pytest.mark.parametrize("field,value", [("steps", 0), ("batch_size", -1), ("max_length", 0), ("learning_rate", 0.0),
                                         ("micro_batches", 0)])
def test_train_settings_reject_non_positive_values(field, value):
    with pytest.raises(FinetuneError, match=field):
        TrainSettings(**{field: value})


def test_micro_batches_must_divide_the_batch():
    with pytest.raises(FinetuneError, match=r"batch_size \(8\) must split evenly into micro_batches \(3\)"):
        TrainSettings(batch_size=8, micro_batches=3)


def test_lora_on_top_layers_only():
    model = tiny_model()
    assert finetune.top_layers(model, 1) == (1,)
    peft_model = finetune.add_lora(model, LoraSettings(rank=4, target_modules=("q_proj",), layers=finetune.top_layers(model, 1)))
    adapted = {name for name, _ in peft_model.named_modules() if name.endswith("q_proj.lora_A")}
    assert len(adapted) == 1 and ".layers.1." in adapted.pop()
    assert finetune.count_parameters(peft_model).trainable == 4 * (32 + 32)


def test_top_layers_gradient_stops_at_the_lowest_adapted_layer():
    model = finetune.add_lora(tiny_model(), LoraSettings(rank=4, layers=(1,)))
    model.train()
    out = model(input_ids=torch.tensor([[5, 6, 7, 8]]), labels=torch.tensor([[5, 6, 7, 8]]))
    out.loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert grads and all(g is not None for g in grads.values())
    assert all(".layers.1." in n for n in grads)


@pytest.mark.parametrize("layers, match", [((), "non-empty"), ((-1,), ">= 0"), ("12", "non-empty"), ((True,), ">= 0")])
def test_bad_lora_layers(layers, match):
    with pytest.raises(FinetuneError, match=match):
        LoraSettings(layers=layers)


def test_lora_layers_past_the_model_and_bad_top_n():
    with pytest.raises(FinetuneError, match="go past"):
        finetune.add_lora(tiny_model(), LoraSettings(layers=(0, 5)))
    with pytest.raises(FinetuneError, match="from 1 to 2"):
        finetune.top_layers(tiny_model(), 3)


@pytest.mark.parametrize("run_name", ["", ".", "..", "../runs", "/tmp", "a/b", "~", "-rf", " x", "x ", None, 3, "x" * 65])
def test_a_run_name_that_could_delete_anything_outside_its_folder_is_refused(tmp_path, run_name):
    config = get_config(cache_dir=tmp_path / "cache")
    keep = config.cache_dir / "runs" / "earlier-run" / "adapter.safetensors"
    keep.parent.mkdir(parents=True)
    keep.write_text("an earlier run")
    with pytest.raises(finetune.FinetuneError, match="run_name"):
        finetune.train_lora(None, None, [{"prompt": "p", "answer": "a"}], run_name, config=config)
    assert keep.read_text() == "an earlier run" and tmp_path.is_dir()


def test_a_plain_run_name_stays_inside_the_runs_folder(tmp_path):
    config = get_config(cache_dir=tmp_path)
    for name in ("style-rank8.v2", "fine-tuned on facts", "a"):
        assert finetune._run_dir(config, name) == (tmp_path / "runs" / name).resolve()


def test_load_or_train_reloads_only_the_run_it_would_train(tokenizer, config):
    """A run saves a fingerprint of its rows and settings beside its adapter (notebook 05b reloads notebook 05's
    adapters this way); other rows or settings train again instead of reusing a stale adapter."""
    model = tiny_model()
    first = finetune.load_or_train(model, tokenizer, ROWS, "reused", settings=TINY, config=config)
    assert first.trained_now and (first.adapter_dir / "adapter_config.json").exists() and first.steps == TINY.steps
    assert not finetune.has_lora(model)  # handed back plain
    again = finetune.load_or_train(model, tokenizer, ROWS, "reused", settings=TINY, config=config)
    assert not again.trained_now and (again.seconds, again.steps) == (first.seconds, first.steps)
    other_rows = finetune.load_or_train(model, tokenizer, ROWS[:6], "reused", settings=TINY, config=config)
    assert other_rows.trained_now
    other_settings = finetune.load_or_train(model, tokenizer, ROWS[:6], "reused", config=config,
                                            settings=replace(TINY, learning_rate=1e-3))
    assert other_settings.trained_now
    (first.adapter_dir.parent / finetune.RUN_RECORD).write_text("{not json")   # a damaged record: train again
    assert finetune.load_or_train(model, tokenizer, ROWS[:6], "reused", config=config,
                                  settings=replace(TINY, learning_rate=1e-3)).trained_now


def test_restore_base_weights_undoes_a_merge_in_place(tmp_path, config):
    model = tiny_model()
    model.save_pretrained(tmp_path / "tiny")
    plain = {k: v.clone() for k, v in model.state_dict().items()}
    tuned = finetune.add_lora(model, finetune.LoraSettings(rank=2, target_modules=finetune.ATTENTION))
    with torch.no_grad():
        for name, p in tuned.named_parameters():
            if "lora_B" in name:
                p.fill_(0.1)  # a non-zero adapter, so merging changes the weights
    with pytest.raises(finetune.FinetuneError, match="still carries LoRA layers"):
        finetune.restore_base_weights(tuned, str(tmp_path / "tiny"), config)
    merged = finetune.merge_lora(tuned)
    assert any(not torch.equal(plain[k], v) for k, v in merged.state_dict().items())
    weight = merged.model.layers[0].self_attn.q_proj.weight
    restored = finetune.restore_base_weights(merged, str(tmp_path / "tiny"), config)
    assert restored is merged and restored.model.layers[0].self_attn.q_proj.weight is weight  # the same tensors
    assert all(torch.equal(plain[k], v) for k, v in restored.state_dict().items())
    with pytest.raises(finetune.FinetuneError, match="does not have in that form"):
        finetune.restore_base_weights(tiny_model_of_width(48), str(tmp_path / "tiny"), config)


def tiny_model_of_width(hidden):
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(vocab_size=49152, hidden_size=hidden, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True))


def test_training_arguments_split_a_step_into_micro_batches(tmp_path):
    args = finetune.training_arguments(TrainSettings(steps=7, batch_size=8, micro_batches=2), tmp_path, "fp32", seed=3)
    assert (args.max_steps, args.per_device_train_batch_size, args.gradient_accumulation_steps) == (7, 4, 2)
    assert (args.bf16, args.seed, args.logging_steps, args.save_total_limit) == (False, 3, 1, 1)
    if finetune.bf16_supported():  # transformers may refuse bf16 on a processor without it
        assert finetune.training_arguments(TrainSettings(), tmp_path, "bf16", seed=3).bf16
    assert not (tmp_path / "runs").exists() and list(tmp_path.iterdir()) == []  # building the arguments writes nothing
