"""Automatic checks for the notebooks' exercises, one module per track (`rag`, `finetune`, ...).

Each check raises AssertionError with a hint when an answer is not right yet, and prints a short
confirmation when it is. Solutions live in notebooks/solutions/, apart from the checks.
"""

from __future__ import annotations

from typing import Callable


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


def check_prediction(prediction: str | None, measured: str, choices: tuple[str, ...], wrong_hint: str, confirmation: str) -> None:
    """Check a prediction made before a measurement: a reminder while it is None, the hint when it differs."""
    if prediction is None:
        print(f"Not done yet: set `prediction` to {' or '.join(repr(c) for c in choices)}, then run this cell again.")
        return
    if prediction not in choices:
        raise AssertionError(f"Answer {' or '.join(repr(c) for c in choices)}, not {prediction!r}.")
    if prediction != measured:
        raise AssertionError(f"The measurement says {measured!r}: {wrong_hint}")
    print(f"Correct: {confirmation}")
