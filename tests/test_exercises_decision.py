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


REFERENCE_BOARD = {"systems": {
    "rag_fine_tuned": {"label": "RAG + fine-tuned", "latency_median_s": 1.86, "answer_accuracy_interval": [0.346, 0.591]},
    "rag_structured": {"label": "RAG + structured decoding", "latency_median_s": 2.0, "answer_accuracy_interval": [0.026, 0.159]},
    "fine_tuned": {"label": "fine-tuned", "latency_median_s": 1.39, "answer_accuracy_interval": [0.118, 0.318]},
}}


def cost_range(seconds, interval, price_per_hour):
    per_answer = seconds * price_per_hour / 3600
    low, high = interval
    return (per_answer / high if high else float("inf")), (per_answer / low if low else float("inf"))


def test_cost_noise_exercise(capsys):
    checks.check_cost_noise(lambda s, i, p: None, None, REFERENCE_BOARD)
    assert "Not done yet: fill in" in capsys.readouterr().out
    checks.check_cost_noise(cost_range, {"rag_structured": "holds", "fine_tuned": None}, REFERENCE_BOARD)
    assert "Not done yet: set `noise_predictions`" in capsys.readouterr().out
    # against the best prompted system the ranking survives the noise; against the fine-tuned system it does not
    checks.check_cost_noise(cost_range, {"rag_structured": "holds", "fine_tuned": "flips"}, REFERENCE_BOARD)
    out = capsys.readouterr().out
    assert out.count("the ranking holds") == 1 and out.count("the ranking flips") == 1 and "Correct" in out
    with pytest.raises(AssertionError, match="'fine_tuned': the figures say 'flips'"):
        checks.check_cost_noise(cost_range, {"rag_structured": "holds", "fine_tuned": "holds"}, REFERENCE_BOARD)
    with pytest.raises(AssertionError, match="not 'maybe'"):
        checks.check_cost_noise(cost_range, {"rag_structured": "maybe", "fine_tuned": "holds"}, REFERENCE_BOARD)
    with pytest.raises(AssertionError, match="wrong way round"):
        checks.check_cost_noise(lambda s, i, p: cost_range(s, i, p)[::-1], None, REFERENCE_BOARD)
    with pytest.raises(AssertionError, match="divide it by the share right"):
        checks.check_cost_noise(lambda s, i, p: (s / i[1], s / i[0]), None, REFERENCE_BOARD)


def test_cost_noise_on_the_reference_scoreboard_matches_the_solution(capsys, tmp_path):
    from course_utils import results
    from course_utils.config import get_config

    board, source, _ = results.load_scoreboard(get_config(cache_dir=tmp_path))  # no run of one's own: the reference
    assert source == "reference"
    checks.check_cost_noise(cost_range, {"rag_structured": "holds", "fine_tuned": "flips"}, board)
    assert "Correct" in capsys.readouterr().out
