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
