"""Scoring generated text: does it parse as JSON, follow the schema, get the fields right, keep the voice?

    >>> outputs = ['{"product": "Quenby Lamp", "severity": "low"}', 'Sure! Here is the JSON: {...}']
    >>> json_parse_rate(outputs)
    0.5
    >>> field_accuracy(outputs, [{"product": "Quenby Lamp", "severity": "high"}] * 2)
    {'product': 0.5, 'severity': 0.0, 'all_fields': 0.25}

Parsing is strict by default: the whole answer (after trimming spaces and a Markdown code fence) must be
one JSON object, which is what a program reading the output needs. ``lenient=True`` also accepts the first
``{...}`` block inside chatty text, to show how much of a failure is only wrapping.

Also here: `style_adherence` (the brand-voice rules of datasets/style_rules.json) and
`timed_generation` (seconds per answer, tokens per second, prompt tokens).
Left out: partial credit inside a field (a product name with one typo is simply wrong), semantic
judgement of tone beyond the four measurable rules, and streaming latency (time to first token).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Sequence

from ..models import _shared_prefix_length, chat_batch, generation_settings, prompt_text
from . import MetricError
from .meters import Timer, count_tokens

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def parse_json(text: str, lenient: bool = False) -> dict | None:
    """The JSON object in `text`, or None when there is none. Strict: the whole text must be the object."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    fenced = _FENCE.match(text)
    candidates = [fenced.group(1) if fenced else text]
    if lenient:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(value, dict):  # a bare number or list is valid JSON but not a record
            return value
    return None


def json_parse_rate(outputs: Sequence[str], lenient: bool = False) -> float:
    """Share of outputs that parse to a JSON object (see `parse_json`)."""
    _check_not_empty(outputs)
    return sum(parse_json(o, lenient) is not None for o in outputs) / len(outputs)


def _validator(schema: dict):
    """A Draft 2020-12 validator for `schema`; MetricError when `schema` is not a valid JSON Schema."""
    from jsonschema import Draft202012Validator

    if not isinstance(schema, dict):
        raise MetricError(f"schema must be a JSON Schema (a dict), got {type(schema).__name__}. "
                          "Load it with data.load_schema().")
    problem = _schema_problem(json.dumps(schema, sort_keys=True, default=str))
    if problem:
        raise MetricError(f"The schema itself is not a valid JSON Schema: {problem}. Load it with data.load_schema().")
    return Draft202012Validator(schema)


@functools.lru_cache(maxsize=64)
def _schema_problem(schema_json: str) -> str:
    """Why a schema (as JSON text) is not a valid JSON Schema, or "": checked once per schema, as it costs ~100 times
    one validation and `schema_errors` runs once per output."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as err:
        return err.message
    return ""


def schema_errors(output: str, schema: dict, lenient: bool = False) -> list[str]:
    """Why one output breaks the schema: [] when it is valid, else readable messages (parse failure included)."""
    validator = _validator(schema)
    record = parse_json(output, lenient)
    if record is None:
        return ["not a JSON object"]
    return [f"{'/'.join(map(str, e.path)) or '(record)'}: {e.message}" for e in validator.iter_errors(record)]


def schema_validity(outputs: Sequence[str], schema: dict, lenient: bool = False) -> float:
    """Share of outputs that parse *and* validate against a JSON Schema (Draft 2020-12, via `jsonschema`)."""
    _check_not_empty(outputs)
    validator = _validator(schema)
    records = [parse_json(o, lenient) for o in outputs]
    return sum(r is not None and validator.is_valid(r) for r in records) / len(outputs)


def field_accuracy(
    outputs: Sequence[str], golds: Sequence[dict], fields: Sequence[str] | None = None, lenient: bool = False
) -> dict[str, float]:
    """Per-field share of outputs whose value equals the gold value exactly, plus ``all_fields`` (their mean).

    An output that does not parse scores zero on every field; a missing key counts as wrong.
    `fields` defaults to the keys of the first gold record.
    """
    _check_not_empty(outputs)
    if len(outputs) != len(golds):
        raise MetricError(f"Got {len(outputs)} outputs but {len(golds)} gold records; pass one gold record per output.")
    fields = list(fields or golds[0])
    if not fields:
        raise MetricError("No fields to compare: the first gold record is empty and no `fields` were given. "
                         "Pass gold records with keys, or fields=['name', ...].")
    records = [parse_json(o, lenient) or {} for o in outputs]
    scores = {f: sum(r.get(f, _MISSING) == g.get(f) for r, g in zip(records, golds)) / len(outputs) for f in fields}
    scores["all_fields"] = sum(scores[f] for f in fields) / len(fields)
    return scores


_MISSING = object()  # never equal to a gold value, not even to None (a JSON null)


STYLE_RULE_KEYS = ("sign_off", "second_person_regex", "jargon", "max_words")  # what datasets/style_rules.json holds


def style_rule_results(text: str, rules: dict) -> dict[str, bool]:
    """Which of the four brand-voice rules one text satisfies (rules as in datasets/style_rules.json)."""
    if not isinstance(text, str):
        raise MetricError(f"text must be the model's reply (a string), got {type(text).__name__}.")
    missing = sorted(set(STYLE_RULE_KEYS) - set(rules)) if isinstance(rules, dict) else list(STYLE_RULE_KEYS)
    if missing:
        raise MetricError(f"rules lack {missing}: pass the brand-voice rules as data.load_style_rules() gives them.")
    sign_off = rules["sign_off"]
    body = text.replace(sign_off, "").strip()
    first_sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0]
    return {
        "second_person": bool(re.search(rules["second_person_regex"], first_sentence, re.I)),
        "no_jargon": not any(re.search(rf"\b{re.escape(term)}\b", text, re.I) for term in rules["jargon"]),
        "concise": len(body.split()) <= rules["max_words"],
        "sign_off": text.strip().endswith(sign_off) and text.count(sign_off) == 1,
    }


def style_adherence(texts: Sequence[str], rules: dict) -> dict[str, float]:
    """Share of texts meeting each voice rule, ``adherence`` (mean share of rules met) and ``strict`` (all four)."""
    _check_not_empty(texts)
    results = [style_rule_results(t, rules) for t in texts]
    names = list(results[0])
    scores = {name: sum(r[name] for r in results) / len(results) for name in names}
    scores["adherence"] = sum(sum(r.values()) / len(r) for r in results) / len(results)
    scores["strict"] = sum(all(r.values()) for r in results) / len(results)
    return scores


def timed_generation(model, tokenizer, conversations, settings="chat", progress: bool = True, **changes):
    """Generate with `models.chat_batch` (`settings`: a use of config.GENERATION or a models.GenerationSettings,
    adjusted by keyword `changes`, e.g. ``batch_size=8, share_prefix=True``) and measure it. Returns
    ``(answers, stats)``.

    stats: ``seconds_per_example``, ``tokens_per_second`` (new tokens, counted by re-tokenising the answers),
    ``prompt_tokens`` (mean tokens of the rendered chat prompt), ``shared_prompt_tokens`` (how many of them every
    prompt shares and that were read once; 0 without `share_prefix`) and ``new_tokens`` (mean per answer).
    """
    _check_not_empty(conversations)
    settings = generation_settings(settings, **changes)
    with Timer() as timer:
        answers = chat_batch(model, tokenizer, conversations, settings, progress)
    prompts = [prompt_text(tokenizer, c) for c in conversations]
    prompt_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    new_tokens = sum(count_tokens(tokenizer, a) for a in answers)
    n = len(conversations)
    return answers, {
        "seconds_per_example": timer.seconds / n,
        "tokens_per_second": new_tokens / timer.seconds if timer.seconds else 0.0,
        "prompt_tokens": sum(len(ids) for ids in prompt_ids) / n,
        "shared_prompt_tokens": _shared_prefix_length(prompt_ids) if settings.share_prefix else 0,
        "new_tokens": new_tokens / n,
    }


def _check_not_empty(items) -> None:
    if items is None or len(items) == 0:
        raise MetricError("Nothing to score: the list of outputs is empty. Generate some answers first.")
