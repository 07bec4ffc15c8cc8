"""Checks for the exercises of notebook 06 (the decision workbench).

Each check compares the learner's answer with the course's tested decision and cost models. An exercise not
attempted yet (None, or a stub that returns None) gets a reminder, not an error, so the notebook runs top to
bottom. Solutions: notebooks/solutions/06_solutions.md.
"""

from __future__ import annotations

from typing import Callable

from course_utils import costs, decision
from course_utils.exercises import not_done

# Exercise 1: the support bot of the article, one year on (see the notebook): every answer a strict JSON object,
# 3,000 logged answers to train on, and the next release months away.
SUPPORT_BOT_LATER = {**decision.preset("customer support bot"), "output_format": 3, "training_examples": 3_000,
                     "deployment_speed": 0}


def check_prediction(prediction: str | None, settings: dict = SUPPORT_BOT_LATER) -> None:
    """Check a predicted approach (one of decision.APPROACHES) against `recommend(settings)`."""
    if prediction is None:
        print("Not done yet: set `prediction` to one of " + ", ".join(repr(a) for a in decision.APPROACHES) + ", then run this cell again.")
        return
    if prediction not in decision.APPROACHES:
        raise AssertionError(f"{prediction!r} is not one of {decision.APPROACHES}: copy one of them exactly.")
    rec = decision.recommend(settings)
    if prediction != rec.approach:
        raise AssertionError(
            f"Not quite: the model says {rec.approach!r} (knowledge score {rec.knowledge_score:+.2f}, behaviour score "
            f"{rec.behaviour_score:+.2f}, threshold {decision.THRESHOLD:g}). Hint: which of the two scores crosses the "
            "threshold, and does anything (examples, budget, time) hold fine-tuning back? Choose the settings in the "
            "workbench and read the reasons.")
    print(f"Correct: {rec.approach}. Its strongest reasons: {'; '.join(rec.reasons[:2])}.")


def check_break_even(break_even_month: Callable) -> None:
    """Check ``break_even_month(upfront_a, monthly_a, upfront_b, monthly_b)`` against costs.break_even."""
    cases = [(100, 10, 0, 30), (0, 30, 100, 10), (250, 5, 50, 25), (100, 10, 0, 10), (50, 30, 0, 10), (0, 10, 0, 10)]
    for case in cases:
        stub, got = not_done(break_even_month, *case, none_is_stub=case == cases[0])
        if stub:
            return
        want = costs.break_even(*case)
        if want is None and got is not None:
            raise AssertionError(f"break_even_month{case} gave {got!r}, but these two never cost the same after month 0: "
                                 "return None. Hint: the lines never cross when the dearer one up front is not cheaper per month.")
        if want is not None and (got is None or abs(float(got) - want) > 1e-9):
            raise AssertionError(f"break_even_month{case} gave {got!r}, expected {want:g}. Hint: solve "
                                 "upfront_a + m * monthly_a = upfront_b + m * monthly_b for m.")
    print(f"Correct: your break-even month matches the cost model on {len(cases)} cases, the 'never' ones included.")


def check_one_change(settings: dict | None, start: str = "clinical note summarisation", target: str = "RAG + fine-tuning") -> None:
    """Check that `settings` changes exactly one criterion of the preset `start` and gets the answer `target`."""
    if settings is None:
        print("Not done yet: set `my_settings` to the preset with one criterion changed, then run this cell again.")
        return
    try:
        checked = decision.check_settings(settings)
    except decision.DecisionInputError as err:
        raise AssertionError(f"Those settings are not valid: {err}") from None
    before = decision.preset(start)
    changed = [name for name in decision.CRITERIA if checked[name] != before[name]]
    if len(changed) != 1:
        raise AssertionError(f"Change exactly one criterion of {start!r}; you changed {len(changed)}: {changed or 'none'}.")
    got = decision.recommend(checked)
    if got.approach != target:
        raise AssertionError(f"With {changed[0]} = {checked[changed[0]]:g} the answer is {got.approach!r}, not {target!r}. "
                             "Hint: the workbench's 'What would change it' lists the smallest single changes.")
    print(f"Correct: changing {changed[0]} alone turns {start!r} into {target}.")
