"""Checks for the exercises of notebook 05 (RAG + fine-tuning: four systems, one scoreboard).

Each check compares the learner's function with the course's tested implementation on cases where a
typical slip gives a different answer, and says which slip it looks like. Solutions: notebooks/solutions/05_solutions.md.
"""

from __future__ import annotations

from typing import Callable

from course_utils.exercises import check_prediction, not_done

_CITATION_CASES = [  # (sources the model gave, gold sources) -> share of the given ids that are gold
    (["prod-k3"], ["prod-k3"], 1.0),
    (["prod-k3", "pol-returns"], ["prod-k3"], 0.5),
    (["pol-returns"], ["prod-k3"], 0.0),
    (["plan-grove", "plan-overview", "faq-general"], ["plan-grove", "plan-overview"], 2 / 3),
]


def check_citation_precision(citation_precision: Callable) -> None:
    """Check ``citation_precision(sources, gold_sources) -> float``: the share of cited ids that are gold ones."""
    for sources, gold, want in _CITATION_CASES:
        stub, got = not_done(citation_precision, list(sources), list(gold), none_is_stub=True)
        if stub:
            return
        if abs(float(got) - want) > 1e-9:
            if abs(float(got) - len(set(sources) & set(gold)) / len(gold)) < 1e-9:
                hint = "You divided by the number of gold documents: that is recall. Precision divides by what was cited."
            else:
                hint = "Count the cited ids that are among the gold ones, and divide by how many ids were cited."
            raise AssertionError(f"sources={sources}, gold={gold}: expected {want:.3f}, got {float(got):.3f}. {hint}")
    stub, got = not_done(citation_precision, [], ["prod-k3"], none_is_stub=True)
    if got is not None and float(got) != 0.0:
        raise AssertionError(f"An answer that cites nothing has precision 0 here (nothing correct was cited), got {got}.")
    print(f"Correct on {len(_CITATION_CASES) + 1} cases: precision = cited ids that are gold / cited ids.")


def check_question_first(question_first_messages: Callable, hits) -> None:
    """Check ``question_first_messages(question, hits) -> messages``: same system prompt, question before documents."""
    from course_utils import support

    question = "How much is the Brumaline K3?"
    stub, messages = not_done(question_first_messages, question, hits, none_is_stub=True)
    if stub:
        return
    reference = support.build_messages(question, hits)
    if not isinstance(messages, list) or len(messages) != 2 or messages[0] != reference[0]:
        raise AssertionError("Return two chat messages: the same system message as support.build_messages, then the user's.")
    user = messages[1].get("content", "")
    if messages[1].get("role") != "user":
        raise AssertionError("The second message must have role 'user'.")
    missing = [h.doc_id for h in hits if f"[{h.doc_id}]" not in user]
    if missing:
        raise AssertionError(f"Label every document with its id in brackets, as format_documents does; missing {missing}.")
    if question not in user or user.index(question) > user.index(f"[{hits[0].doc_id}]"):
        raise AssertionError("Put the question *before* the documents: that is the whole point of the experiment.")
    print("Correct: same system prompt, question first, every document labelled with its id.")


def check_reader_update_prediction(prediction: str | None, old_rate: float, new_rate: float) -> None:
    """Check a prediction ('old' or 'new') of which values the RAG + fine-tuned reader states after the update."""
    check_prediction(
        prediction, "old" if old_rate > new_rate else "new", ("old", "new"),
        f"old values {old_rate:.0%}, new values {new_rate:.0%}. Think about what the reader was trained to do with the "
        "documents in its prompt, and which documents the updated index returns.",
        f"the reader states new values {new_rate:.0%} of the time and old ones {old_rate:.0%}. It was trained on v1 "
        "documents, but what it learned is to copy from the documents it is shown, and those are now v2.",
    )
