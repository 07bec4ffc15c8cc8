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


def test_the_negated_sentence_comes_first_by_a_margin():
    # Notebook 00's Exercise 2 rests on this: the embedder measures shared topic and words, not logic, so a sentence
    # that says the opposite with the query's words beats a paraphrase without them (0.81 against 0.63 when written).
    embedder = models.load_embedder()
    negated, paraphrase = "My order arrived in perfect condition, not broken.", "My delivery showed up smashed."
    vectors = embedder.encode([QUERY, negated, paraphrase, *CANDIDATES[:2]], normalize_embeddings=True)
    similarity = vectors[1:] @ vectors[0]
    assert similarity[0] > similarity[1] + 0.1 and similarity[1] == max(similarity[1:])
    checks.check_most_similar(negated, [*CANDIDATES, negated], QUERY, embedder)
