"""The checks of notebook 06 pass right answers, reject wrong ones with a hint and wait for missing ones."""

import pytest

from course_utils import decision
from course_utils.exercises import decision as checks


def test_prediction(capsys):
    checks.check_prediction("RAG + fine-tuning")
    assert capsys.readouterr().out.startswith("Correct")
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_prediction("RAG")
    with pytest.raises(AssertionError, match="copy one of them"):
        checks.check_prediction("rag")


def right_break_even(upfront_a, monthly_a, upfront_b, monthly_b):
    if monthly_a == monthly_b:
        return 0.0 if upfront_a == upfront_b else None
    month = (upfront_b - upfront_a) / (monthly_a - monthly_b)
    return month if month > 0 else None


def test_break_even(capsys):
    checks.check_break_even(right_break_even)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    (lambda ua, ma, ub, mb: (ub - ua) / (ma - mb) if ma != mb else None, "never cost the same"),  # negative months
    (lambda ua, ma, ub, mb: (ua - ub) / (ma - mb) if ma != mb else 0.0, "Hint"),  # sign flipped
])
def test_wrong_break_even_fails_with_a_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_break_even(wrong)


def test_one_change(capsys):
    start = decision.preset("clinical note summarisation")
    checks.check_one_change({**start, "knowledge_freshness": 4})
    checks.check_one_change({**start, "knowledge_base_docs": 1_000})
    assert capsys.readouterr().out.count("Correct") == 2
    with pytest.raises(AssertionError, match="exactly one"):
        checks.check_one_change({**start, "knowledge_freshness": 4, "citations": 2})
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_one_change({**start, "citations": 1})
    with pytest.raises(AssertionError, match="not valid"):
        checks.check_one_change({**start, "knowledge_freshnes": 4})


def test_unattempted_exercises_only_remind(capsys):
    checks.check_prediction(None)
    checks.check_break_even(lambda *args: None)
    checks.check_one_change(None)
    assert capsys.readouterr().out.count("Not done yet") == 3
