"""Structured-output decoding: generation that can only write text a JSON schema accepts.

At every step of greedy decoding the model scores every token of its vocabulary; a constrained decoder sets the
score of each token that would break the schema to minus infinity, so the best *allowed* token wins. The output is
then JSON of the right shape by construction, with no training. What it cannot do is make the model know, read or
cite better: it only chooses among the continuations the schema allows, and a token budget can still cut an answer
short.

The library is xgrammar: it compiles a JSON schema into a grammar over the tokenizer's vocabulary (in C++) and, at
each step, fills a bitmask of the allowed tokens, through a transformers logits processor. It runs on a CPU and
offline. Installed with `--no-deps` (requirements-nodeps.txt): its package metadata asks for triton, about 1 GB of
GPU compiler that a CPU never uses. It enforces the schema keywords the course's answer needs (`type`,
`properties`, `required`, `additionalProperties`, `enum`, `const`, `anyOf`, `minItems`/`maxItems`,
`minLength`/`maxLength`), but not `uniqueItems` and not `if`/`then`/`else`: `support.decoding_schema` writes the
support answer's conditional as the `anyOf` of its two branches, and `dedupe_json_list` removes a repeated item,
the one rule left to us.

    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    models.chat_batch(model, tokenizer, ["Is water wet?"], json_schema=schema)   # -> ['{"ok": true}']
"""

from __future__ import annotations

import functools
import json
from typing import Sequence

from .config import CourseError


class StructuredDecodingError(CourseError, ValueError):
    """A schema the constrained decoder cannot use."""


@functools.lru_cache(maxsize=4)
def _compiler(tokenizer, vocab_size: int):
    # The vocabulary's table is built once per tokenizer (a fraction of a second); compiled schemas are cached by it.
    import xgrammar

    info = xgrammar.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size)
    return xgrammar.GrammarCompiler(info)


def compile_schema(tokenizer, schema: dict, vocab_size: int | None = None):
    """The schema compiled for this tokenizer. No free whitespace: a small model left free pads its answer with
    newlines and indentation until the token budget runs out, so the JSON comes out compact."""
    if not isinstance(schema, dict) or not schema:
        raise StructuredDecodingError(f"json_schema must be a JSON schema (a non-empty dict), got {schema!r:.80}.")
    try:
        return _compiler(tokenizer, vocab_size or len(tokenizer)).compile_json_schema(
            json.dumps(schema), any_whitespace=False, strict_mode=True)
    except RuntimeError as error:  # xgrammar's message names the keyword it cannot compile
        raise StructuredDecodingError(f"xgrammar cannot use this schema: {error}") from None


def logits_processor(model, tokenizer, schemas: Sequence[dict]):
    """A processor for `model.generate(logits_processor=[...])` that keeps row i of the batch inside `schemas[i]`.
    It lasts one `generate` call (it follows each row's text from the first step)."""
    from xgrammar.contrib.hf import LogitsProcessor

    vocab = model.config.vocab_size   # the model's output width, which may exceed the tokenizer's vocabulary
    return LogitsProcessor([compile_schema(tokenizer, schema, vocab) for schema in schemas])


def dedupe_json_list(text: str, key: str) -> str:
    """The JSON object in `text` with repeated items of its list `key` removed (first occurrence kept), re-serialised;
    `text` unchanged when it is not such an object or has no repeats. The decoder cannot enforce `uniqueItems`."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return text
    if not isinstance(record, dict) or not isinstance(record.get(key), list):
        return text
    items = record[key]
    unique = [item for i, item in enumerate(items) if item not in items[:i]]
    if len(unique) == len(items):
        return text
    record[key] = unique
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
