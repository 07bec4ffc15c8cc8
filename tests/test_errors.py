"""One error base class and one whole-number check: every error the kit raises on purpose is a CourseError (so a
notebook or a script can catch the kit's errors apart from a library's), and a count given as True or 2.0 is
refused the same way everywhere."""

import ast
import importlib
import inspect
import pkgutil

import pytest

import course_utils
from course_utils import chunking, finetune, models
from course_utils.config import REPO_ROOT, ConfigError, CourseError, check_whole_number
from course_utils.evaluate import MetricError, retrieval

BUILTIN_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "FileNotFoundError", "OSError",
                  "Exception"}


def kit_modules():
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        yield importlib.import_module(info.name)


def test_every_error_class_of_the_kit_is_a_course_error():
    errors = {obj for module in kit_modules() for _, obj in inspect.getmembers(module, inspect.isclass)
              if issubclass(obj, Exception) and obj.__module__.startswith("course_utils")}
    assert len(errors) >= 20
    assert [e.__name__ for e in errors if not issubclass(e, CourseError)] == []


def test_the_kit_raises_no_bare_builtin_error():
    """`raise ValueError(...)` would escape `except CourseError`; the exercises' checks raise AssertionError on purpose
    (a wrong answer), and a stub's NotImplementedError is the learner's."""
    found = []
    for path in sorted((REPO_ROOT / "course_utils").rglob("*.py")):
        if "exercises" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name) \
                    and node.exc.func.id in BUILTIN_ERRORS:
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} raises {node.exc.func.id}")
    assert found == []


def test_check_whole_number_refuses_bools_floats_and_strings():
    assert check_whole_number(8, "rank") == 8
    import numpy as np

    assert check_whole_number(np.int64(3), "k") == 3
    for bad in (True, 2.0, "3", 0, -1, None):
        with pytest.raises(ConfigError, match="k must be a positive integer"):
            check_whole_number(bad, "k")
    with pytest.raises(MetricError, match="n must be a whole number from 1 to 30, got 31. Try 30."):
        check_whole_number(31, "n", maximum=30, error=MetricError, hint="Try 30.")
    with pytest.raises(ConfigError, match="a whole number of at least 0"):
        check_whole_number(-1, "extra", minimum=0)


@pytest.mark.parametrize("make", [
    lambda: finetune.TrainSettings(steps=True),
    lambda: finetune.TrainSettings(batch_size=2.0),
    lambda: finetune.LoraSettings(rank=True),
    lambda: finetune.LoraSettings(layers=(True,)),
    lambda: chunking.chunk_text("some text", "doc", size=True),
    lambda: retrieval.recall_at_k(["a"], ["a"], True),
], ids=["steps=True", "batch_size=2.0", "rank=True", "layers=(True,)", "size=True", "k=True"])
def test_a_bool_or_a_float_is_not_a_count_anywhere(make):
    with pytest.raises(CourseError):
        make()


def test_generation_knobs_raise_the_kits_error():
    with pytest.raises(models.GenerationError, match="max_new_tokens must be a positive integer"):
        models.chat_batch(None, None, ["hi"], max_new_tokens=True)
