"""Structured-output decoding (course_utils.structured, models.chat_batch(json_schema=...)) on a tiny random model:
its unconstrained text is noise, so only the constraint can make it JSON that the schema accepts."""

import json

import pytest
from jsonschema import Draft202012Validator

from course_utils import models, structured, support
from course_utils.data import UNANSWERABLE, load_schema


@pytest.fixture(scope="module")
def tiny():
    """Two decoder layers of random weights on the course model's tokenizer: loads in a moment, writes noise."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    _, tokenizer = models.load_generator()
    config = AutoConfig.for_model("llama", vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                  max_position_embeddings=1024, pad_token_id=tokenizer.pad_token_id,
                                  eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id)
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config).eval(), tokenizer


QUESTIONS = [f"Question {i}: what does the Brumaline K{i} cost?" for i in range(6)]


class Hit:  # the two attributes decoding_schema reads from a retrieval hit
    def __init__(self, doc_id):
        self.doc_id = doc_id


def test_constrained_answers_are_valid_every_time_and_unconstrained_ones_are_not(tiny):
    model, tokenizer = tiny
    validator = Draft202012Validator(load_schema("support_answer"))
    hits = [Hit("prod-k3"), Hit("note-k2-end"), Hit("prod-k3")]
    schema = support.decoding_schema(hits)
    free = models.chat_batch(model, tokenizer, QUESTIONS, max_new_tokens=48, progress=False, precision="fp32")
    assert not any(_valid(validator, out) for out in free)   # noise: the test could not pass without the constraint
    # 160 tokens hold the longest object the schema allows (an 80-character answer of one-character tokens)
    bound = support.generate(model, tokenizer, QUESTIONS, max_new_tokens=160, progress=False, json_schema=schema)
    for out in bound:
        assert _valid(validator, out), out
        record = json.loads(out)
        assert set(record["sources"]) <= {"prod-k3", "note-k2-end"}      # only the retrieved documents' ids
        if not record["answerable"]:
            assert record == {"answer": UNANSWERABLE, "sources": [], "answerable": False}


def test_one_schema_per_conversation_and_shared_prefix(tiny):
    model, tokenizer = tiny
    schemas = [{"type": "object", "properties": {"n": {"type": "integer", "enum": [i]}}, "required": ["n"],
                "additionalProperties": False} for i in range(len(QUESTIONS))]
    outputs = models.chat_batch(model, tokenizer, QUESTIONS, max_new_tokens=12, progress=False, share_prefix=True,
                                json_schema=schemas, precision="fp32")
    assert [json.loads(out) for out in outputs] == [{"n": i} for i in range(len(QUESTIONS))]


def _valid(validator, text):
    try:
        return validator.is_valid(json.loads(text))
    except json.JSONDecodeError:
        return False


def test_dedupe_json_list():
    assert structured.dedupe_json_list('{"sources": ["a", "b", "a"], "x": 1}', "sources") == '{"sources":["a","b"],"x":1}'
    assert structured.dedupe_json_list('{"sources": ["a"]}', "sources") == '{"sources": ["a"]}'
    assert structured.dedupe_json_list("not json", "sources") == "not json"


def test_bad_schemas_get_a_clear_error(tiny):
    model, tokenizer = tiny
    with pytest.raises(structured.StructuredDecodingError, match="non-empty dict"):
        structured.compile_schema(tokenizer, {})
    with pytest.raises(ValueError, match="one per conversation"):
        models.chat_batch(model, tokenizer, QUESTIONS, json_schema=[{"type": "object"}], progress=False)
    with pytest.raises(support.SupportError, match="at least one"):
        support.decoding_schema([])


def test_timed_chat_takes_latency_apart_and_gives_chats_answer(tiny):
    model, tokenizer = tiny
    timed = models.timed_chat(model, tokenizer, QUESTIONS[0], max_new_tokens=8, precision="fp32")
    assert timed.text == models.chat(model, tokenizer, QUESTIONS[0], max_new_tokens=8, precision="fp32")
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": QUESTIONS[0]}], tokenize=False,
                                           add_generation_prompt=True)
    assert timed.prompt_tokens == len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert timed.new_tokens == 8                       # random weights never stop early
    assert timed.prefill_seconds > 0 and timed.decode_seconds >= 0
    assert timed.seconds == timed.prefill_seconds + timed.decode_seconds
    assert timed.seconds_per_token == timed.decode_seconds / 7   # the first token comes with the prefill
    schema = {"type": "object", "properties": {"n": {"type": "integer", "enum": [7]}}, "required": ["n"],
              "additionalProperties": False}
    bound = models.timed_chat(model, tokenizer, QUESTIONS[1], max_new_tokens=12, precision="fp32", json_schema=schema)
    assert json.loads(bound.text) == {"n": 7} and bound.new_tokens <= 12
    assert timed.grammar_seconds == 0 and bound.grammar_seconds > 0   # the schema's compiling is a part of its own
    assert bound.seconds == bound.grammar_seconds + bound.prefill_seconds + bound.decode_seconds
    with pytest.raises(ValueError, match="positive integer"):
        models.timed_chat(model, tokenizer, QUESTIONS[0], max_new_tokens=0)


def test_measured_latency_is_the_sum_of_its_parts(tiny):
    model, tokenizer = tiny
    plain = support.measure_latency(model, tokenizer, QUESTIONS[:3], answer_length=10, probe_tokens=4)
    assert plain.queries == 3 and plain.grammar_s == 0 and plain.prefill_s > 0 and plain.seconds_per_token > 0
    assert plain.retrieval_s < 0.01                                     # no index: nothing to search
    assert plain.median_s == pytest.approx(sorted(plain.totals)[1])
    assert plain.decode_s == pytest.approx(10 * plain.seconds_per_token)
    longer = support.measure_latency(model, tokenizer, QUESTIONS[:3], answer_length=40, probe_tokens=4)
    assert longer.decode_s > plain.decode_s                              # a longer answer pays for its tokens
    constrained = support.measure_latency(model, tokenizer, QUESTIONS[:2], answer_length=10, probe_tokens=4,
                                          structured=True)
    assert constrained.grammar_s > 0 and set(constrained.parts()) == set(plain.parts())
    assert support.answer_tokens(tokenizer, ["one two", "one two three four"]) == pytest.approx(
        (len(tokenizer("one two")["input_ids"]) + len(tokenizer("one two three four")["input_ids"])) / 2)
    conversations = [[{"role": "user", "content": q}] for q in QUESTIONS[:2]]
    assert models.mean_prompt_tokens(tokenizer, conversations) == pytest.approx(
        sum(len(tokenizer(models.prompt_text(tokenizer, c), add_special_tokens=False)["input_ids"])
            for c in conversations) / 2)
