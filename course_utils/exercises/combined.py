"""Checks for the exercises of notebooks 05 and 05b (RAG + fine-tuning: six systems, one scoreboard; the update).

Each check compares the learner's function with the course's tested implementation on cases where a
typical slip gives a different answer, and says which slip it looks like. Solutions: notebooks/solutions/05_solutions.md and 05b_solutions.md.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .. import support
from ..evaluate.uncertainty import compare, wilson
from . import check_paired_prediction, check_prediction, not_done

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


def check_order_prediction(prediction: str | None, question_last: Sequence[bool], question_first: Sequence[bool] | None) -> None:
    """Check a prediction ('more', 'same' or 'fewer') of how many scored questions the trained reader answers right
    with the question before the documents, against the order it was trained on (judged as `check_paired_prediction`)."""
    check_paired_prediction(
        prediction, question_last, question_first, "question last (as trained)", "question first",
        variable="order_prediction", counted="questions right", unit="questions",
        wrong_hint="the reader learned to find the answer in labelled documents; ask yourself whether it learned *where* "
        "in the prompt the question sits, or only to look for it. Only the measurement can say.",
        lesson="A fine-tuned behaviour is tied to what varied in training, and only a measurement says how tightly; "
        "to compare the two orders fairly you would train one reader per order.",
    )


def check_reader_update_prediction(prediction: str | None, old_rate: float, new_rate: float) -> None:
    """Check a prediction ('old' or 'new') of which values the RAG + fine-tuned reader states after the update."""
    check_prediction(
        prediction, "old" if old_rate > new_rate else "new", ("old", "new"),
        f"old values {old_rate:.0%}, new values {new_rate:.0%}. Think about what the reader was trained to do with the "
        "documents in its prompt, and which documents the updated index returns.",
        f"the reader states new values {new_rate:.0%} of the time and old ones {old_rate:.0%}. It was trained on v1 "
        "documents, but what it learned is to copy from the documents it is shown, and those are now v2.",
    )


def check_updated_rows(updated_rows: Callable, facts) -> None:
    """Check ``updated_rows(facts) -> rows``: the fine-tuned system's training rows with the v2 answers as targets
    (the same prompts as support.closed_book_rows, one row per training question)."""
    stub, rows = not_done(updated_rows, facts.copy(), none_is_stub=True)
    if stub:
        return
    want = support.closed_book_rows(facts.assign(target=facts["target_v2"]))
    if not isinstance(rows, list) or len(rows) != len(want):
        raise AssertionError(f"Return one row per training question ({len(want)}), as support.closed_book_rows does; "
                             f"got {len(rows) if isinstance(rows, list) else type(rows).__name__}.")
    if rows == support.closed_book_rows(facts):
        raise AssertionError("These are the v1 answers (the column `target`): the update's answers are in `target_v2`.")
    if [r.get("prompt") for r in rows] != [r["prompt"] for r in want]:
        raise AssertionError("Keep the prompts exactly as notebook 05 trained on them (support.build_messages(question), "
                             "the user message): only the answers change.")
    wrong = [r["prompt"] for r, w in zip(rows, want) if r.get("answer") != w["answer"]]
    if wrong:
        raise AssertionError(f"{len(wrong)} answers differ from the v2 answer objects (support.target_json of "
                             f"target_v2), e.g. for {wrong[0]!r}.")
    changed = sum(r["answer"] != v1["answer"] for r, v1 in zip(rows, support.closed_book_rows(facts)))
    print(f"Correct: {len(rows)} rows, {changed} of them with a new answer. Now run the experiment below.")


def check_retrain_prediction(prediction: str | None, old_before: Sequence[bool], new_after: Sequence[bool] | None) -> None:
    """Check a prediction ('more', 'same' or 'fewer') of how many changed questions the retrained fine-tuned system
    answers with the NEW value, against how many the first one answered with the OLD value (judged as
    `check_paired_prediction`, on the same changed questions)."""
    check_paired_prediction(
        prediction, old_before, new_after, "before retraining (OLD value)", "after retraining (NEW value)",
        variable="retrain_prediction", counted="changed questions stating the value",
        unit="changed questions",
        wrong_hint="the retrained run is the same recipe (the same prompts, steps and passes over each fact) with other "
        "answers: what did the first run manage with the old ones?",
        lesson="Retraining brings a fine-tuned model up to date only as far as its recipe taught the old facts, and it "
        "costs a training run at every change, where retrieval re-indexes the changed documents.",
    )


_WILSON_CASES = [(0, 60), (28, 60), (12, 60), (1, 30), (30, 30), (5, 16)]


def check_wilson_interval(wilson_interval: Callable) -> None:
    """Check ``wilson_interval(k, n) -> (low, high)``: the 95 % Wilson score interval of k successes in n."""
    for k, n in _WILSON_CASES:
        stub, got = not_done(wilson_interval, k, n, none_is_stub=True)
        if stub:
            return
        want = wilson(k, n)
        try:
            low, high = (float(x) for x in got)
        except (TypeError, ValueError):
            raise AssertionError(f"Return two numbers (low, high), got {got!r}.") from None
        if abs(low - want[0]) > 1e-6 or abs(high - want[1]) > 1e-6:
            p = k / n
            wald = (p - 1.96 * (p * (1 - p) / n) ** 0.5, p + 1.96 * (p * (1 - p) / n) ** 0.5)
            hint = ("That is the normal approximation p ± 1.96·sqrt(p(1-p)/n), which collapses to a single point at 0/n "
                    "and n/n: Wilson's centre moves towards 1/2 and its width never reaches zero."
                    if abs(low - wald[0]) < 1e-3 and abs(high - wald[1]) < 1e-3 else
                    "Centre (p + z²/2n) / (1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n), z = 1.96.")
            raise AssertionError(f"k={k}, n={n}: expected ({want[0]:.3f}, {want[1]:.3f}), got ({low:.3f}, {high:.3f}). {hint}")
    print(f"Correct on {len(_WILSON_CASES)} cases, 0/60 and 30/30 included: an interval never collapses to a point.")


def check_discordant(discordant: Callable) -> None:
    """Check ``discordant(a, b) -> (only_a, only_b)``: the questions only one of two paired systems got right."""
    cases = [([True, True, False, False, True], [True, False, True, False, False]),
             ([False] * 4, [True, False, True, True]), ([True, False], [True, False])]
    for a, b in cases:
        stub, got = not_done(discordant, list(a), list(b), none_is_stub=True)
        if stub:
            return
        c = compare(a, b)
        if tuple(int(x) for x in got) != (c.only_a, c.only_b):
            hint = ("You counted every question each system got right: the questions both got right (or both missed) "
                    "say nothing about which is better, so a paired comparison leaves them out."
                    if tuple(got) == (sum(a), sum(b)) else "Count the questions a got right and b did not, then the reverse.")
            raise AssertionError(f"a={a}, b={b}: expected {(c.only_a, c.only_b)}, got {tuple(got)}. {hint}")
    print("Correct: only the questions on which the two differ count; McNemar's test asks whether they split 50/50.")
