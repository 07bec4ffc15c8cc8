"""Every `>>>` example in course_utils runs and prints what it shows.

Usage sketches that need a model or a trained adapter are written without `>>>` prompts (they are read, not run);
an example with a prompt is a promise, and this test keeps it.
"""

import doctest
import importlib
import pkgutil

import pytest

import course_utils

MODULES = sorted(m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see the output above)"


def test_the_examples_exist():
    attempted = sum(doctest.testmod(importlib.import_module(n), report=False).attempted for n in MODULES)
    assert attempted >= 30  # a docstring rewrite that drops every example should not pass unnoticed
