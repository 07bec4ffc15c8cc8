"""How sure a share is: n/N with a 95 % interval, and whether two systems differ on the same questions.

    from course_utils.evaluate import uncertainty
    uncertainty.Share(26, 60)                                  # 26/60 = 0.433 (0.316-0.559)
    uncertainty.compare(correct_a, correct_b)                  # paired, on the same questions

A share measured on 60 questions is not known to two decimals: the Wilson interval says which true shares would
plausibly give this count. Two systems scored on the *same* questions are compared pairwise: only the questions
where they disagree carry information (exact McNemar test), and the interval on the difference comes from a
paired bootstrap (the same questions resampled for both). A sentence claims a difference only when that interval
excludes zero; otherwise the two are "within the noise of N questions".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import MetricError
from ..config import is_whole_number

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval


def _counts(k, n) -> tuple[int, int]:
    if not (is_whole_number(k, minimum=0) and is_whole_number(n) and k <= n):
        raise MetricError(f"A share needs whole counts 0 <= k <= n and n >= 1, got k={k!r}, n={n!r}.")
    return int(k), int(n)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a share k/n (95 % by default): unlike p ± z·se it stays inside [0, 1] and is not
    empty at 0/n or n/n."""
    k, n = _counts(k, n)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


@dataclass(frozen=True)
class Share:
    """k of n, with its 95 % Wilson interval; prints as ``26/60 = 0.433 (0.316-0.559)``."""

    k: int
    n: int

    def __post_init__(self):
        _counts(self.k, self.n)

    @classmethod
    def of(cls, flags: Sequence[bool]) -> "Share":
        flags = [bool(f) for f in flags]
        return cls(sum(flags), len(flags))

    @property
    def value(self) -> float:
        return self.k / self.n

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def __str__(self) -> str:
        low, high = self.interval
        return f"{self.k}/{self.n} = {self.value:.3f} ({low:.3f}-{high:.3f})"


@dataclass(frozen=True)
class Comparison:
    """Two systems on the same n questions: each one's share, the questions only A / only B got right, the exact
    McNemar p-value, and a 95 % paired-bootstrap interval on the difference B - A."""

    a: Share
    b: Share
    only_a: int
    only_b: int
    p_value: float
    difference: float
    interval: tuple[float, float]

    @property
    def significant(self) -> bool:
        """True when the interval on B - A excludes zero *and* the exact McNemar test agrees (p < 0.05). With few
        questions on which the two differ, the bootstrap alone is too confident: 5 against 0 gives an interval
        above zero, while the exact test gives p = 0.0625 (five coin flips all landing one way)."""
        return (self.interval[0] > 0 or self.interval[1] < 0) and self.p_value < 0.05

    def sentence(self, name_a: str, name_b: str) -> str:
        low, high = self.interval
        gap = f"{self.difference:+.3f} (95 % interval {low:+.3f} to {high:+.3f}; McNemar p = {self.p_value:.3g})"
        if not self.significant:
            return (f"{name_b} vs {name_a}: {gap}: within the noise of {self.a.n} questions "
                    f"({self.only_b} questions only {name_b} got right, {self.only_a} only {name_a}).")
        word = "better" if self.difference > 0 else "worse"
        return (f"{name_b} is {word} than {name_a}: {gap}, from {self.only_b} questions only {name_b} got right "
                f"and {self.only_a} only {name_a}.")


def compare(correct_a: Sequence[bool], correct_b: Sequence[bool], resamples: int = 4000, seed: int = 0) -> Comparison:
    """Pair two systems' per-question results (True = right) on the same questions, in the same order."""
    from scipy.stats import binomtest

    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or not len(a):
        raise MetricError(f"compare() needs two equally long, non-empty lists of per-question results, got {a.shape} "
                         f"and {b.shape}: score both systems on the same questions.")
    only_a, only_b = int((a & ~b).sum()), int((b & ~a).sum())
    p_value = 1.0 if only_a + only_b == 0 else float(binomtest(only_b, only_a + only_b, 0.5).pvalue)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    diffs = b[picks].mean(axis=1) - a[picks].mean(axis=1)
    low, high = np.quantile(diffs, [0.025, 0.975])
    return Comparison(Share.of(a), Share.of(b), only_a, only_b, p_value, float(b.mean() - a.mean()),
                      (float(low), float(high)))
