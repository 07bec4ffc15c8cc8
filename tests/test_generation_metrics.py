"""JSON parse rate, schema validity, field accuracy, style adherence and timed generation."""

import json

import jsonschema
import pytest

from course_utils import data
from course_utils.evaluate import generation as gen

GOOD = {"product": "Quenby Lamp", "category": "defect", "severity": "high", "order_number": "OV-12345",
        "action": "replacement", "sentiment": "negative"}


@pytest.fixture(scope="module")
def schema():
    return data.load_schema("extraction")


@pytest.fixture(scope="module")
def rules():
    return data.load_style_rules()


def test_strict_parsing_accepts_only_a_whole_json_object():
    assert gen.parse_json(json.dumps(GOOD)) == GOOD
    assert gen.parse_json("```json\n" + json.dumps(GOOD) + "\n```") == GOOD  # a code fence is only wrapping
    chatty = "Sure! Here is the record: " + json.dumps(GOOD) + " Hope it helps."
    assert gen.parse_json(chatty) is None
    assert gen.parse_json(chatty, lenient=True) == GOOD
    for not_a_record in ("[1, 2]", "42", '"text"', "{'single': 'quotes'}", '{"cut": "off', "", None):
        assert gen.parse_json(not_a_record, lenient=True) is None


def test_parse_rate_counts_objects(schema):
    outputs = [json.dumps(GOOD), "no json here", '{"a": 1}', "[]"]
    assert gen.json_parse_rate(outputs) == 0.5


def test_schema_validity_agrees_with_jsonschema_on_every_dataset_record(schema):
    records = list(data.load_extraction("test")["record"])
    assert gen.schema_validity([json.dumps(r) for r in records], schema) == 1.0
    validator = jsonschema.Draft202012Validator(schema)
    broken = [
        {**GOOD, "severity": "urgent"},  # not in the enum
        {**GOOD, "order_number": "ov-12345"},  # pattern is upper case
        {k: v for k, v in GOOD.items() if k != "sentiment"},  # required field missing
        {**GOOD, "customer": "Ann"},  # no additional properties
        {**GOOD, "product": "Quenby lamp"},  # enum is case-sensitive
    ]
    for record in broken:
        assert not validator.is_valid(record)
        assert gen.schema_validity([json.dumps(record)], schema) == 0.0
        assert gen.schema_errors(json.dumps(record), schema)
    assert gen.schema_validity([json.dumps(GOOD), json.dumps(broken[0]), "oops"], schema) == pytest.approx(1 / 3)
    assert gen.schema_errors("oops", schema) == ["not a JSON object"]
    assert gen.schema_errors(json.dumps(GOOD), schema) == []


def test_schema_errors_name_the_field(schema):
    (message,) = gen.schema_errors(json.dumps({**GOOD, "severity": "urgent"}), schema)
    assert message.startswith("severity:") and "urgent" in message


def test_an_invalid_schema_is_reported():
    with pytest.raises(ValueError, match="not a valid JSON Schema"):
        gen.schema_validity(["{}"], {"type": "no-such-type"})


def test_field_accuracy_by_hand():
    golds = [GOOD, {**GOOD, "order_number": None}]
    outputs = [
        json.dumps({**GOOD, "severity": "low"}),  # 5 of 6 fields right
        json.dumps({k: v for k, v in GOOD.items() if k != "order_number"}),  # order_number missing != null
    ]
    scores = gen.field_accuracy(outputs, golds)
    assert scores["severity"] == 0.5 and scores["order_number"] == 0.5 and scores["product"] == 1.0
    assert scores["all_fields"] == pytest.approx((5 + 5) / 12)
    assert gen.field_accuracy(["garbage"], [GOOD])["all_fields"] == 0.0
    assert gen.field_accuracy([json.dumps({**GOOD, "order_number": None})], [golds[1]])["all_fields"] == 1.0


def test_field_accuracy_needs_one_gold_per_output():
    with pytest.raises(ValueError, match="one gold record per output"):
        gen.field_accuracy(["{}", "{}"], [GOOD])


@pytest.mark.parametrize("metric", [gen.json_parse_rate, lambda o: gen.style_adherence(o, {})])
def test_empty_outputs_are_an_error(metric):
    with pytest.raises(ValueError, match="empty"):
        metric([])


def test_style_rules_on_hand_made_texts(rules):
    sign = rules["sign_off"]
    perfect = f"You can pair the lamp in the app. Happy to help.\n{sign}"
    assert gen.style_rule_results(perfect, rules) == dict(second_person=True, no_jargon=True, concise=True, sign_off=True)
    assert not gen.style_rule_results(f"The lamp pairs in the app. You can try it.\n{sign}", rules)["second_person"]
    assert not gen.style_rule_results(f"You can escalate a ticket.\n{sign}", rules)["no_jargon"]
    assert not gen.style_rule_results("You " + "word " * 40 + f"\n{sign}", rules)["concise"]
    assert not gen.style_rule_results(f"You can.\n{sign}\n{sign}", rules)["sign_off"]
    assert not gen.style_rule_results(f"You can. {sign}. Bye", rules)["sign_off"]


def test_style_adherence_separates_the_two_voices(rules):
    style = data.load_style("test")
    brand = gen.style_adherence(list(style["brand"]), rules)
    neutral = gen.style_adherence(list(style["neutral"]), rules)
    assert brand["strict"] == brand["adherence"] == 1.0
    assert neutral["sign_off"] == 0.0 and neutral["no_jargon"] == 0.0 and neutral["strict"] == 0.0
    mixed = gen.style_adherence([style["brand"][0], style["neutral"][0]], rules)
    assert mixed["strict"] == 0.5


def test_timed_generation_reports_tokens_and_speed():
    from transformers import LlamaConfig, LlamaForCausalLM
    import torch

    from course_utils import models

    tokenizer = models.load_generator()[1]
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=49152, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=4, num_key_value_heads=2, pad_token_id=2)).eval()
    conversations = ["Hello there", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]]
    answers, stats = gen.timed_generation(model, tokenizer, conversations, max_new_tokens=5, progress=False)
    assert len(answers) == 2
    expected_prompt = sum(
        len(tokenizer.apply_chat_template(c if isinstance(c, list) else [{"role": "user", "content": c}],
                                          tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"])
        for c in conversations
    ) / 2
    assert stats["prompt_tokens"] == expected_prompt
    assert 0 < stats["new_tokens"] <= 6 and stats["seconds_per_example"] > 0 and stats["tokens_per_second"] > 0


def test_field_accuracy_with_nothing_to_compare_says_so():
    with pytest.raises(ValueError, match="No fields to compare"):
        gen.field_accuracy(["{}"], [{}])


def test_release_free_memory_returns_memory_after_garbage_and_never_fails(monkeypatch):
    import platform
    import sys

    import numpy as np

    from course_utils.evaluate import meters

    blocks = [np.ones(15 * 1024) for _ in range(3000)]  # ~350 MB of 120 KB blocks: below glibc's mmap threshold
    keep = blocks[::50]  # a few survivors pin the heap, so freeing the rest does not shrink it by itself
    del blocks
    before = meters.current_rss_mb()
    meters.release_free_memory()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert meters.current_rss_mb() < before - 200, "glibc should give the freed blocks back"
    del keep
    import ctypes
    import gc

    calls = []
    monkeypatch.setattr(sys, "platform", "win32")  # elsewhere it only collects garbage, and never calls the C library
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect") or 0)
    monkeypatch.setattr(ctypes, "CDLL", lambda *a, **k: calls.append("libc"))
    meters.release_free_memory()
    assert calls == ["collect"]


def test_memory_check_stops_with_advice_before_a_step_that_cannot_fit(monkeypatch):
    from course_utils.evaluate import meters

    monkeypatch.delenv("COURSE_MEMORY_CHECK", raising=False)
    free = meters.available_memory_mb()
    assert free > 0
    assert meters.check_memory(1, "A tiny step") > 0
    with pytest.raises(meters.MemoryBudgetError, match=r"needs about .* MB .* Close other notebooks .*COURSE_MEMORY_CHECK=0"):
        meters.check_memory(free * 100, "Training 'demo'")
    monkeypatch.setenv("COURSE_MEMORY_CHECK", "0")
    assert meters.check_memory(free * 100, "Training 'demo'") > 0  # skipped on request
    with pytest.raises(ValueError, match="needed_mb"):
        meters.check_memory(-5, "x")


def test_load_generator_and_train_lora_check_memory_first(monkeypatch, tmp_path):
    from course_utils import finetune, models
    from course_utils.evaluate import meters
    from course_utils.finetune import TrainSettings

    monkeypatch.delenv("COURSE_MEMORY_CHECK", raising=False)
    monkeypatch.setattr(meters, "available_memory_mb", lambda: 50.0)
    with pytest.raises(meters.MemoryBudgetError, match="Loading the generator 'smollm2-135m-instruct' needs about"):
        models.load_generator()
    with pytest.raises(meters.MemoryBudgetError, match="Training 'tiny' needs about .* smaller batch_size"):
        finetune.train_lora(object(), _Tok(), [{"prompt": "a", "answer": "b"}], "tiny", settings=TrainSettings(steps=1))
    big = TrainSettings(batch_size=4, max_length=192, gradient_checkpointing=False)
    assert finetune.training_memory_mb(big) > finetune.training_memory_mb(TrainSettings())


class _Tok:
    """Stands in for a tokenizer: train_lora checks memory after formatting the rows, so formatting must work."""

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=False):
        text = "".join(f"<{m['role']}>{m['content']}" for m in messages)
        return text + ("<assistant>" if add_generation_prompt else "")

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}
