"""The support-answer set: question -> the JSON answer object a support assistant should return.

Built from the question set, one record per question with the same split, so the four systems of the
scoreboard (base, RAG, fine-tuned, RAG + fine-tuned) are trained and scored on aligned data.
``target`` is the gold object for knowledge base v1, ``target_v2`` for v2.
"""

from __future__ import annotations

from world import UNANSWERABLE

DOC_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def target(answer: str, doc_ids: list[str]) -> dict:
    """{"answer", "sources", "answerable"}: the smallest object that carries an answer and its citations."""
    answerable = answer != UNANSWERABLE
    return {"answer": answer, "sources": list(doc_ids) if answerable else [], "answerable": answerable}


def build_support(questions: list[dict]) -> list[dict]:
    return [
        dict(id=f"a{q['id'][1:]}", question_id=q["id"], question=q["question"],
             target=target(q["answer"], q["doc_ids"]), target_v2=target(q["answer_v2"], q["doc_ids_v2"]),
             type=q["type"], changed=q["changed"], split=q["split"])
        for q in questions
    ]


def support_schema() -> dict:
    """JSON Schema (Draft 2020-12) of one support answer object."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orrinvale.example/schemas/support_answer.schema.json",
        "title": "Support answer",
        "description": "A short answer, the knowledge-base documents it relies on, and whether the KB answers it at all.",
        "type": "object",
        "properties": {
            "answer": {"type": "string", "minLength": 1, "maxLength": 80,
                       "description": f"short answer; exactly '{UNANSWERABLE}' when answerable is false"},
            "sources": {"type": "array", "items": {"type": "string", "pattern": DOC_ID_PATTERN}, "maxItems": 4,
                        "uniqueItems": True, "description": "ids of the supporting documents"},
            "answerable": {"type": "boolean", "description": "false when the knowledge base does not contain the answer"},
        },
        "required": ["answer", "sources", "answerable"],
        "additionalProperties": False,
        "if": {"properties": {"answerable": {"const": False}}},
        "then": {"properties": {"answer": {"const": UNANSWERABLE}, "sources": {"maxItems": 0}}},
        "else": {"properties": {"sources": {"minItems": 1}}},
    }
