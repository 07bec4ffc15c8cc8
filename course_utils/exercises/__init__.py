"""Automatic checks for the notebooks' exercises, one module per track (`rag`, `finetune`, ...).

Each check raises AssertionError with a hint when an answer is not right yet, and prints a short
confirmation when it is. Solutions live in notebooks/solutions/, apart from the checks.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..evaluate.uncertainty import compare


def not_done(fn: Callable, *args, none_is_stub: bool = False):
    """Call fn; return (True, None) and print a reminder if it is still a stub, else (False, result).

    A stub raises NotImplementedError; with ``none_is_stub`` a stub that just returns None counts too.
    """
    try:
        result = fn(*args)
    except NotImplementedError:
        result, stub = None, True
    else:
        stub = none_is_stub and result is None
    if stub:
        print(f"Not done yet: fill in `{fn.__name__}` and run this cell again.")
        return True, None
    return False, result


def check_prediction(prediction: str | None, measured: str, choices: tuple[str, ...], wrong_hint: str, confirmation: str,
                     variable: str = "prediction") -> None:
    """Check a prediction made before a measurement: a reminder while it is None, the hint when it differs."""
    if prediction is None:
        print(f"Not done yet: set `{variable}` to {' or '.join(repr(c) for c in choices)}, then run this cell again.")
        return
    if prediction not in choices:
        raise AssertionError(f"Answer {' or '.join(repr(c) for c in choices)}, not {prediction!r}.")
    if prediction != measured:
        raise AssertionError(f"The measurement says {measured!r}: {wrong_hint}")
    print(f"Correct: {confirmation}")


DIRECTIONS = ("more", "same", "fewer")


def check_paired_prediction(prediction: str | None, right_a: Sequence[bool] | None, right_b: Sequence[bool] | None,
                            name_a: str, name_b: str, *, variable: str, counted: str, unit: str, wrong_hint: str,
                            lesson: str):
    """Judge a decisive experiment: a prediction ('more', 'same' or 'fewer') of how many of the same items system B
    gets right (`counted`: what a True counts, e.g. "schema-valid records"), against system A. Judged by the direction
    of the measured change ('same' only when the counts are equal); the paired comparison (`uncertainty.compare`)
    then says whether that change is more than the noise of so few `unit`, which a prediction cannot settle.
    Returns the comparison, or None while the prediction is unset."""
    if prediction is None:
        print(f"Not done yet: set `{variable}` to 'more', 'same' or 'fewer', then run this cell again.")
        return None
    if right_a is None or right_b is None or len(right_a) != len(right_b):
        raise ValueError(f"Give one result per item to both systems, on the same {unit}: got "
                         f"{len(right_a or [])} for {name_a} and {len(right_b or [])} for {name_b}.")
    comparison = compare(list(right_a), list(right_b))
    measured = "more" if comparison.difference > 0 else "fewer" if comparison.difference < 0 else "same"
    print(f"{counted}: {name_a} {comparison.a}; {name_b} {comparison.b}")
    print(comparison.sentence(name_a, name_b))
    moved = comparison.only_a + comparison.only_b
    noise = (f"and the difference is more than the noise of these {unit}" if comparison.significant else
             f"but only {moved} {unit} moved, too few to rule out chance: more {unit} would settle it")
    outcome = f"as many {counted} as" if measured == "same" else f"{measured} {counted} than"
    check_prediction(prediction, measured, DIRECTIONS, wrong_hint,
                     f"{name_b} gave {outcome} {name_a}, {noise}. {lesson}", variable=variable)
    return comparison
