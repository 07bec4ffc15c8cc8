"""Notebook 05's task: the answer schema, the prompts, the gold targets, and generating the answers.

Every system gets the same system prompt, which states the answer schema
(`datasets/schemas/support_answer.schema.json`). Retrieved chunks are given as documents labelled with their
document id (``[prod-k3] Brumaline K3: ...``), so a model can copy the id into ``sources``.
"""

from __future__ import annotations

import json
from typing import Sequence

import pandas as pd

from ..config import CourseError, is_whole_number
from ..data import UNANSWERABLE, DatasetError, load_questions, load_schema, load_support
from ..grounding import check_hits, source_text
from ..models import chat_batch
from ..structured import dedupe_json_list

SUPPORT_SYSTEM = (  # short on purpose: every prompt, and every training example, pays for its tokens
    'Answer as JSON: {"answer": short answer, "sources": [document ids], "answerable": true}. '
    f'If the documents lack the answer: {{"answer": "{UNANSWERABLE}", "sources": [], "answerable": false}}.'
)
STRATA = ("seen fact", "unseen fact", "unanswerable")
TARGET_KEYS = ("answer", "sources", "answerable")


class SupportError(CourseError, ValueError):
    """A support question, target or request is malformed; the message says what to fix."""


def check_target(target, where: str = "target") -> dict:
    """Raise SupportError unless `target` is a well-formed answer object; returns it."""
    if not isinstance(target, dict) or set(target) != set(TARGET_KEYS):
        found = sorted(target) if isinstance(target, dict) else type(target).__name__
        raise SupportError(f"{where} must be a dict with exactly the keys {list(TARGET_KEYS)}, got {found}.")
    if not isinstance(target["answer"], str) or not target["answer"].strip():
        raise SupportError(f"{where}['answer'] must be a non-empty string, got {target['answer']!r}.")
    if not isinstance(target["sources"], list) or not all(isinstance(s, str) for s in target["sources"]):
        raise SupportError(f"{where}['sources'] must be a list of document ids, got {target['sources']!r}.")
    if not isinstance(target["answerable"], bool):
        raise SupportError(f"{where}['answerable'] must be true or false, got {target['answerable']!r}.")
    return target


def load_task(split: str | None = None, config=None) -> pd.DataFrame:
    """Support questions with their gold targets, answer variants, type and stratum, one row per question."""
    support = load_support(split, config)
    if support.empty:
        raise DatasetError(f"No support questions in split {split!r}. Use 'train', 'validation' or 'test'.")
    questions = load_questions(config=config).set_index("id")
    missing = sorted(set(support["question_id"]) - set(questions.index))
    if missing:
        raise DatasetError(f"support.jsonl refers to unknown question ids {missing[:5]}. Rebuild: python datasets/build.py")
    extra = questions.loc[support["question_id"], ["fact_id", "fact_in_train", "variants", "variants_v2", "passages"]]
    task = pd.concat([support.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    for i, row in task.iterrows():
        check_target(row["target"], f"row {row['id']} target")
        check_target(row["target_v2"], f"row {row['id']} target_v2")
    task["stratum"] = [stratum(t, seen) for t, seen in zip(task["target"], task["fact_in_train"])]
    return task


def stratum(target: dict, fact_in_train: bool) -> str:
    """'unanswerable' when the KB lacks the answer, else 'seen fact' (a training question asks it) or 'unseen fact'."""
    if not target["answerable"]:
        return "unanswerable"
    return "seen fact" if fact_in_train else "unseen fact"


def target_json(target: dict) -> str:
    """The answer object as the model should write it: one line, keys in schema order."""
    check_target(target)
    return json.dumps({k: target[k] for k in TARGET_KEYS}, ensure_ascii=False)


def format_documents(hits: Sequence) -> str:
    """Retrieved chunks as labelled documents, one per line: ``[doc-id] Title: text`` (the text as notebook 01's
    prompts show it, `grounding.source_text`; the label is the document id, which the answer cites)."""
    return "\n".join(f"[{h.doc_id}] {source_text(h)}" for h in check_hits(hits, SupportError))


def build_messages(question: str, hits: Sequence | None = None, system: str = SUPPORT_SYSTEM,
                   question_twice: bool = False) -> list[dict]:
    """Chat messages for one question: the schema in the system prompt, then the documents (if any) and the question.

    `question_twice` also puts the question before the documents, so the model reads them knowing what it looks for
    (a lever measured in `benchmarks/reader_levers.py`; the notebooks keep it off)."""
    if not isinstance(question, str) or not question.strip():
        raise SupportError(f"Empty question {question!r}: there is nothing to answer.")
    if hits is None:
        user = f"Question: {question.strip()}"
    elif len(hits) == 0:
        raise SupportError("Retrieval returned no documents for this question. Check the index (len(kb) > 0) and k > 0.")
    else:
        user = f"Documents:\n{format_documents(hits)}\n\nQuestion: {question.strip()}"
        if question_twice:
            user = f"Question: {question.strip()}\n\n{user}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def decoding_schema(hits: Sequence | None = None, answer_chars: int = 40) -> dict:
    """The answer schema in the form a constrained decoder can enforce (`models.chat_batch(json_schema=...)`).

    The same rules as `datasets/schemas/support_answer.schema.json`, with its `if`/`then`/`else` written as the
    `anyOf` of its two branches (an answer citing one to four documents, or the abstention object), and the keys in
    the schema's order. With retrieved `hits`, `sources` may only name their documents: a constrained model cannot
    invent an id. Without (no retrieval), any id the schema's pattern allows. The answer may hold `answer_chars`
    characters, fewer than the schema's 80 (the longest gold answer has 25): an untrained model fills whatever room
    it is given, and an object cut off by the token budget is invalid."""
    full = load_schema("support_answer")
    item = dict(full["properties"]["sources"]["items"])
    if hits is not None:
        ids = list(dict.fromkeys(h.doc_id for h in hits))
        if not ids:
            raise SupportError("decoding_schema() needs the retrieved documents (at least one) or hits=None.")
        item = {"type": "string", "enum": ids}
    if not is_whole_number(answer_chars, minimum=25) or answer_chars > full["properties"]["answer"]["maxLength"]:
        raise SupportError(f"answer_chars must be a whole number from 25 (the longest gold answer) to "
                           f"{full['properties']['answer']['maxLength']} (the schema's limit), got {answer_chars!r}.")
    answer = {"type": "string", "minLength": 1, "maxLength": answer_chars}
    answered = {"type": "object", "additionalProperties": False, "required": list(TARGET_KEYS), "properties": {
        "answer": answer, "sources": {"type": "array", "items": item, "minItems": 1, "maxItems": min(4, len(ids)) if hits is not None else 4},
        "answerable": {"type": "boolean", "const": True}}}
    abstained = {"type": "object", "additionalProperties": False, "required": list(TARGET_KEYS), "properties": {
        "answer": {"type": "string", "const": UNANSWERABLE}, "sources": {"type": "array", "items": item, "maxItems": 0},
        "answerable": {"type": "boolean", "const": False}}}
    return {"anyOf": [answered, abstained]}


def generate(model, tokenizer, conversations, progress: bool = True, json_schema=None, **changes) -> list[str]:
    """Greedy answers, generated as config.GENERATION["support"] says (or "support, structured" with a
    `json_schema`): left-padded batches of similar length, at most 3072 prompt tokens each, the system prompt every
    conversation starts with read once. The fine-tuned models stop before the token budget, at their end-of-turn
    token. Keyword `changes` adjust the settings (see `models.GenerationSettings`), e.g. ``prefill='{"answer": "'``.
    """
    use = "support" if json_schema is None else "support, structured"
    outputs = chat_batch(model, tokenizer, list(conversations), use, progress, json_schema=json_schema, **changes)
    if json_schema is None:
        return outputs
    return [dedupe_json_list(out, "sources") for out in outputs]   # the one rule the decoder leaves to us


