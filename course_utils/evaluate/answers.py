"""Answer accuracy: is a generated answer the gold answer (or one of its accepted variants)?

Three measures, all computed on *normalised* text (lower case, no punctuation or articles,
thousands separators and currency signs dropped, so "$1,200." and "1200" agree):

- `exact_match`: the whole answer equals a reference;
- `token_f1`: overlap of answer and reference tokens (SQuAD's F1), the best over references;
- `answer_correct`: exact match, or a reference appears as a whole run of tokens inside the answer.
  A chat model answers in sentences ("The Pro plan costs $29 per month."), so exact match alone
  would call almost every right answer wrong; containment is the usual measure for generated answers.

    >>> answer_correct("The Pro plan costs $29 per month.", "$29", ["29 dollars"])
    True
    >>> exact_match("29", "$29"), round(token_f1("It costs 29 dollars", "29 dollars"), 2)
    (True, 0.67)

What it leaves out: no synonyms, no unit conversion ("2 GB" is not "2048 MB"), no paraphrase
judgement. Containment also credits an answer that lists several candidates, so keep generated
answers short (a small `max_new_tokens`) when you score with it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from . import MetricError

_ARTICLES = {"a", "an", "the"}
# Keep "." and "," when they sit between digits (49.99, 1,200); every other punctuation mark goes.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_PUNCT = set(string.punctuation) | {"€", "£", "¥", "–", "—", "‘", "’", "“", "”", "…"}


def normalize_answer(text: str) -> str:
    """Lower-case `text`, drop punctuation, articles and extra spaces: "The $1,200.00 plan!" -> "1200.00 plan".

    None (no answer, e.g. a field missing from a parsed record) normalises to "", so it scores as a wrong answer."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub("\0", text)  # protect decimal points from the punctuation sweep
    text = "".join(" " if ch in _PUNCT else ch for ch in text).replace("\0", ".")
    return " ".join(tok for tok in text.split() if tok not in _ARTICLES)


def _references(gold: str, variants: Iterable[str] | None) -> list[str]:
    """Gold answer plus variants, normalised, without empties. Accepts a list, tuple, array or None."""
    refs = [gold] + ([] if variants is None else [v for v in variants if v is not None])
    normalised = [normalize_answer(r) for r in refs]
    normalised = [r for r in normalised if r]
    if not normalised:
        raise MetricError(
            f"Gold answer {gold!r} and its variants are empty after normalisation; "
            "there is nothing to compare with. Check the question's 'answer' field."
        )
    return normalised


def exact_match(prediction: str, gold: str, variants: Sequence[str] | None = None) -> bool:
    """True when the normalised prediction equals the normalised gold answer or a variant."""
    pred = normalize_answer(prediction)
    return pred in _references(gold, variants)


def _f1(pred_tokens: list[str], ref_tokens: list[str]) -> float:
    common = Counter(pred_tokens) & Counter(ref_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred_tokens), overlap / len(ref_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, gold: str, variants: Sequence[str] | None = None) -> float:
    """Best token-overlap F1 between the prediction and the gold answer or a variant (0.0 to 1.0)."""
    pred = normalize_answer(prediction).split()
    return max(_f1(pred, ref.split()) for ref in _references(gold, variants))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def answer_correct(prediction: str, gold: str, variants: Sequence[str] | None = None) -> bool:
    """True when the prediction matches the gold answer or a variant exactly, or contains one as whole tokens.

    "costs 149 dollars" does not contain "49": matching is on whole tokens, not characters.
    """
    pred = normalize_answer(prediction).split()
    return any(pred == ref.split() or _contains(pred, ref.split()) for ref in _references(gold, variants))


def answer_accuracy(
    predictions: Sequence[str], golds: Sequence[str], variants: Sequence[Sequence[str] | None] | None = None
) -> float:
    """Share of predictions that `answer_correct` accepts (0.0 to 1.0). `variants` is one list per question."""
    if len(predictions) != len(golds):
        raise MetricError(f"Got {len(predictions)} predictions for {len(golds)} gold answers; pass one per question.")
    if not golds:
        raise MetricError("No answers to score: pass at least one prediction and gold answer.")
    variants = variants if variants is not None else [None] * len(golds)
    if len(variants) != len(golds):
        raise MetricError(f"Got {len(variants)} variant lists for {len(golds)} gold answers; pass one per question.")
    hits = [answer_correct(p, g, v) for p, g, v in zip(predictions, golds, variants)]
    return sum(hits) / len(hits)
