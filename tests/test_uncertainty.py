"""course_utils.evaluate.uncertainty against values worked out by hand or by the textbook formulas."""

import pytest

from course_utils.evaluate import uncertainty


def test_wilson_matches_the_textbook_values():
    from scipy.stats import binomtest

    low, high = uncertainty.wilson(26, 60)
    assert (round(low, 3), round(high, 3)) == (0.316, 0.559)
    reference = binomtest(26, 60).proportion_ci(method="wilson")
    assert low == pytest.approx(reference.low) and high == pytest.approx(reference.high)
    assert uncertainty.wilson(0, 10)[0] == 0.0 and 0.27 < uncertainty.wilson(0, 10)[1] < 0.28   # not empty at 0/n
    assert uncertainty.wilson(10, 10)[1] == pytest.approx(1.0) and uncertainty.wilson(10, 10)[0] > 0.72


def test_share_prints_n_of_N_and_the_interval():
    assert str(uncertainty.Share(26, 60)) == "26/60 = 0.433 (0.316-0.559)"
    assert uncertainty.Share.of([True, False, True, True]) == uncertainty.Share(3, 4)


def test_compare_claims_a_difference_only_when_the_interval_excludes_zero():
    a = [False] * 30 + [True] * 10
    clear = uncertainty.compare(a, [True] * 40)             # B right on 30 more questions
    assert clear.only_b == 30 and clear.only_a == 0 and clear.significant and clear.p_value < 1e-6
    assert "is better than" in clear.sentence("A", "B")
    close = uncertainty.compare(a, a[1:] + a[:1])           # one question swapped: the same share
    assert not close.significant and "within the noise of 40 questions" in close.sentence("A", "B")
    assert close.p_value == 1.0
    few = uncertainty.compare([False] * 60, [True] * 5 + [False] * 55)   # 5 against 0: the bootstrap alone says yes
    assert few.interval[0] > 0 and few.p_value == pytest.approx(0.0625) and not few.significant
    assert "within the noise of 60 questions" in few.sentence("A", "B")


@pytest.mark.parametrize("k,n", [(3, 2), (-1, 5), (1, 0), (True, 5), (1.5, 4)])
def test_bad_counts_get_a_clear_error(k, n):
    with pytest.raises(ValueError, match="whole counts"):
        uncertainty.Share(k, n)


def test_compare_refuses_unpaired_results():
    with pytest.raises(ValueError, match="same questions"):
        uncertainty.compare([True, False], [True])
