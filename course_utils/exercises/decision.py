"""Checks for the exercises of notebook 06 (the decision workbench).

Each check compares the learner's answer with the course's tested decision and cost models. An exercise not
attempted yet (None, or a stub that returns None) gets a reminder, not an error, so the notebook runs top to
bottom. Solutions: notebooks/solutions/06_solutions.md.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping

from .. import costs, decision
from . import not_done

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


# Exercise 4: is RAG + fine-tuned cheaper per correct answer than each rival, even at the ends of the two accuracy
# intervals least favourable to it? The rivals: the best prompted system and the fine-tuned one without retrieval.
NOISE_RIVALS = ("rag_structured", "fine_tuned")


def _cost_range(seconds_per_answer: float, interval, price_per_hour: float) -> tuple[float, float]:
    """(cheapest, dearest) cost per correct answer over an accuracy interval: price of one answer / share right."""
    per_answer = seconds_per_answer * price_per_hour / 3600
    low, high = interval
    return costs.per_correct_answer(per_answer, high), costs.per_correct_answer(per_answer, low)


def _same_pair(got, want: tuple[float, float]) -> bool:
    try:
        return len(got) == 2 and all(g == w if math.isinf(w) else math.isclose(float(g), w, rel_tol=1e-6)
                                     for g, w in zip(got, want))
    except (TypeError, ValueError):
        return False


def check_cost_noise(cost_per_correct_range: Callable, predictions: Mapping[str, str | None] | None, board: dict,
                     price_per_hour: float = 1.0) -> None:
    """Check ``cost_per_correct_range(seconds_per_answer, interval, price_per_hour) -> (cheapest, dearest)``, then a
    prediction ('holds' or 'flips') for each of NOISE_RIVALS: does RAG + fine-tuned stay cheaper per correct answer
    when its share right sits at the low end of its 95 % interval and the rival's at the high end of its own?"""
    cases = [(2.0, (0.25, 0.5), 1.0), (1.5, (0.1, 0.3), 3.6), (1.0, (0.0, 0.06), 1.0)]
    for case in cases:
        stub, got = not_done(cost_per_correct_range, *case, none_is_stub=case == cases[0])
        if stub:
            return
        want = _cost_range(*case)
        if not _same_pair(got, want):
            hint = ("You have them the wrong way round: the *high* end of the accuracy interval gives the cheapest cost "
                    "per correct answer." if _same_pair(got, want[::-1]) else
                    "One answer costs seconds x price per hour / 3600; divide it by the share right at each end of the "
                    "interval (a share of 0 gives inf).")
            raise AssertionError(f"cost_per_correct_range{case} gave {got!r}, expected ({want[0]:.6g}, {want[1]:.6g}). {hint}")
    if predictions is None or any(predictions.get(r) is None for r in NOISE_RIVALS):
        print("Not done yet: set `noise_predictions` to 'holds' or 'flips' for " + " and ".join(map(repr, NOISE_RIVALS))
              + ", then run this cell again.")
        return
    systems = board["systems"]

    def ends(key: str) -> tuple[float, float]:
        row = systems[key]
        return cost_per_correct_range(float(row["latency_median_s"]), tuple(row["answer_accuracy_interval"]), price_per_hour)

    dearest_reader = ends("rag_fine_tuned")[1]
    wrong = []
    for rival in NOISE_RIVALS:
        if predictions[rival] not in ("holds", "flips"):
            raise AssertionError(f"Answer 'holds' or 'flips' for {rival!r}, not {predictions[rival]!r}.")
        cheapest_rival = ends(rival)[0]
        measured = "holds" if dearest_reader < cheapest_rival else "flips"
        print(f"{systems['rag_fine_tuned']['label']} at its worst {dearest_reader:.6f} per correct answer, {systems[rival]['label']} at its "
              f"best {cheapest_rival:.6f}: the ranking {measured}")
        if predictions[rival] != measured:
            wrong.append(f"{rival!r}: the figures say {measured!r}")
    if wrong:
        raise AssertionError("Not quite: " + "; ".join(wrong) + ". Hint: an interval that spans a factor of two or more "
                             "in accuracy spans the same factor in cost per correct answer; compare that spread with the "
                             "gap between the two systems' seconds per answer.")
    print("Correct: a ranking that holds at both unfavourable ends is more than the noise of the test questions; one "
          "that flips rests on figures the test cannot tell apart (a paired comparison on the same questions, as in "
          "notebook 05, is sharper than two intervals side by side).")
