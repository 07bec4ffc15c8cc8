"""Answer-accuracy measures: hand-computed cases, including the traps (numbers, partial tokens, empties)."""

import doctest

import numpy as np
import pytest

from course_utils.evaluate import answers
from course_utils.evaluate.answers import answer_accuracy, answer_correct, exact_match, normalize_answer, token_f1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Pro plan!", "pro plan"),
        ("$1,200.00", "1200.00"),
        ("  An   apple ", "apple"),
        ("version 2.5.1", "version 2.5.1"),
        ("“Quoted” — text…", "quoted text"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_answer(text, expected):
    assert normalize_answer(text) == expected


def test_exact_match_uses_variants_and_normalisation():
    assert exact_match("$29", "29")
    assert exact_match("twenty-nine dollars", "$29", ["Twenty nine dollars"])
    assert not exact_match("It costs $29.", "$29")  # extra words: not an exact match


def test_token_f1_hand_computed():
    # prediction tokens: costs 29 per month (4); reference: 29 per month (3); overlap 3
    # precision 3/4, recall 3/3 -> F1 = 2 * 0.75 * 1 / 1.75 = 6/7
    assert token_f1("costs $29 per month", "29 per month") == pytest.approx(6 / 7)
    assert token_f1("nothing in common", "29") == 0.0
    assert token_f1("29", "$29") == 1.0
    # the best reference wins
    assert token_f1("blue", "red", ["blue"]) == 1.0


def test_token_f1_counts_repeated_tokens_once_per_match():
    # prediction "29 29" vs "29": overlap 1, precision 1/2, recall 1 -> 2/3
    assert token_f1("29 29", "29") == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "prediction, gold, variants, expected",
    [
        ("The Pro plan costs $29 per month.", "$29", None, True),
        ("It costs $149 per month.", "$49", None, False),  # whole tokens only
        ("Returns are accepted within 30 days.", "30 days", ["thirty days"], True),
        ("Returns are accepted within thirty days.", "30 days", ["thirty days"], True),
        ("Returns are accepted within 30 weeks.", "30 days", None, False),
        ("That is not in the knowledge base.", "not in the knowledge base", None, True),
        ("", "42", None, False),
        ("Released on March 3, 2024", "March 3, 2024", None, True),
        ("Released on March 2024", "March 3, 2024", None, False),
    ],
)
def test_answer_correct(prediction, gold, variants, expected):
    assert answer_correct(prediction, gold, variants) is expected


def test_variants_may_be_numpy_arrays_as_stored_by_pandas():
    assert answer_correct("it is thirty", "30", np.array(["thirty"], dtype=object))


def test_empty_gold_is_an_error_with_a_hint():
    with pytest.raises(ValueError, match="nothing to compare"):
        answer_correct("anything", "", [])
    with pytest.raises(ValueError, match="nothing to compare"):
        token_f1("anything", "?!", None)


def test_answer_accuracy_and_length_checks():
    preds = ["It costs $29.", "No idea.", "Thirty days."]
    golds = ["$29", "Blue", "30 days"]
    variants = [None, ["navy"], ["thirty days"]]
    assert answer_accuracy(preds, golds, variants) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="one per question"):
        answer_accuracy(preds, golds[:2])
    with pytest.raises(ValueError, match="No answers"):
        answer_accuracy([], [])


def test_docstring_examples_run():
    result = doctest.testmod(answers)
    assert result.attempted > 0 and result.failed == 0
