"""The checks of notebook 00's exercises pass right answers, reject wrong ones and wait for missing ones."""

import numpy as np
import pytest

from course_utils import models
from course_utils.exercises import start as checks

QUERY = "My order arrived broken."
CANDIDATES = ["I would like to place a new order.", "Broken links are fixed in the next release.", "My delivery showed up smashed."]


def test_correct_cosine_passes(capsys):
    checks.check_cosine(lambda a, b: float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [lambda a, b: float(a @ b), lambda a, b: float(a @ b / np.linalg.norm(a)), lambda a, b: 1.0],
    ids=["no-normalisation", "one-norm", "constant"],
)
def test_wrong_cosine_fails_with_a_hint(wrong):
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_cosine(wrong)


def test_unattempted_exercises_only_remind(capsys):
    checks.check_cosine(lambda a, b: None)
    checks.check_most_similar(None, CANDIDATES, QUERY, embedder=None)
    assert capsys.readouterr().out.count("Not done yet") == 2


def test_most_similar_uses_the_embedder():
    embedder = models.load_embedder()
    checks.check_most_similar("My delivery showed up smashed.", CANDIDATES, QUERY, embedder)
    with pytest.raises(AssertionError, match="Not quite"):
        checks.check_most_similar("Broken links are fixed in the next release.", CANDIDATES, QUERY, embedder)
    with pytest.raises(AssertionError, match="not one of the candidate"):
        checks.check_most_similar("something else", CANDIDATES, QUERY, embedder)
