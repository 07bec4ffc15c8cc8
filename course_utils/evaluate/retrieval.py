"""Retrieval metrics: did the search bring back the documents that hold the answer, and how high?

Every function scores ONE query: `retrieved` is the ranked list of document ids (best first),
`relevant` the set of ids that hold the answer. `mean_metrics` averages over many queries.

    >>> recall_at_k(["d3", "d1", "d7"], {"d1", "d2"}, k=2)     # 1 of the 2 relevant docs in the top 2
    0.5
    >>> precision_at_k(["d3", "d1", "d7"], {"d1", "d2"}, k=2)  # 1 of the 2 returned is relevant
    0.5
    >>> reciprocal_rank(["d3", "d1", "d7"], {"d1", "d2"})      # first relevant at rank 2
    0.5

- recall@k: share of the relevant documents found in the top k (what RAG needs: the answer in the prompt);
- precision@k: share of the top k that is relevant (how much of the prompt is noise); denominator k;
- hit@k: 1 if at least one relevant document is in the top k;
- MRR: 1 / rank of the first relevant document (0 if none), averaged over queries;
- nDCG@k: rewards relevant documents near the top, gain / log2(rank + 1), divided by the best possible.

These follow the TREC definitions that `ranx` and `trec_eval` use (the tests compare with ranx).
A document id repeated in `retrieved` (several chunks of one document) counts once, at its best rank.
What it leaves out: graded relevance and statistical tests (use ranx for those).
"""

from __future__ import annotations

import math
from typing import Collection, Iterable, Sequence

from . import MetricError
from ..config import check_whole_number


def _prepare(retrieved: Sequence[str], relevant: Collection[str], k: int | None) -> tuple[list[str], set[str]]:
    if k is not None:
        check_whole_number(k, "k", error=MetricError)
    for name, ids in (("retrieved", retrieved), ("relevant", relevant)):
        if isinstance(ids, (str, bytes)):
            raise MetricError(f"{name} must be a list of document ids, got the string {ids!r}. Wrap one id in a list: [{ids!r}].")
    relevant = set(relevant)
    if not relevant:
        raise MetricError(
            "This query has no relevant documents, so recall, MRR and nDCG are undefined. "
            "Leave unanswerable questions out of retrieval metrics (score them on the answers instead)."
        )
    ranked = list(dict.fromkeys(retrieved))  # keep first (best) occurrence of each id
    return (ranked if k is None else ranked[:k]), relevant


def recall_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of relevant documents that appear in the top `k`."""
    top, relevant = _prepare(retrieved, relevant, k)
    return len(relevant.intersection(top)) / len(relevant)


def precision_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the top `k` slots holding a relevant document (an empty slot counts as not relevant)."""
    top, relevant = _prepare(retrieved, relevant, k)
    return len(relevant.intersection(top)) / k


def hit_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1.0 if any relevant document is in the top `k`, else 0.0 (a.k.a. success@k)."""
    top, relevant = _prepare(retrieved, relevant, k)
    return float(bool(relevant.intersection(top)))


def reciprocal_rank(retrieved: Sequence[str], relevant: Collection[str], k: int | None = None) -> float:
    """1 / rank of the first relevant document (ranks start at 1), 0.0 if none in the top `k` (all if None)."""
    top, relevant = _prepare(retrieved, relevant, k)
    for rank, doc_id in enumerate(top, start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Normalised discounted cumulative gain with binary gains: DCG / ideal DCG, in [0, 1]."""
    top, relevant = _prepare(retrieved, relevant, k)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc_id in enumerate(top, start=1) if doc_id in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


METRICS = {
    "recall": recall_at_k,
    "precision": precision_at_k,
    "hit": hit_at_k,
    "ndcg": ndcg_at_k,
    "mrr": reciprocal_rank,
}


def mean_metrics(
    runs: Sequence[Sequence[str]], qrels: Sequence[Collection[str]], names: Iterable[str] = ("recall@1", "recall@5", "mrr")
) -> dict[str, float]:
    """Average metrics over queries. `runs[i]` is query i's ranked ids, `qrels[i]` its relevant ids.

    Names are ``metric@k`` (recall, precision, hit, ndcg) or ``mrr`` / ``mrr@k``:
    >>> mean_metrics([["a", "b"], ["c", "a"]], [{"a"}, {"a"}], ["recall@1", "mrr"])
    {'recall@1': 0.5, 'mrr': 0.75}
    """
    if len(runs) != len(qrels):
        raise MetricError(f"Got {len(runs)} rankings for {len(qrels)} sets of relevant ids; pass one of each per query.")
    if not runs:
        raise MetricError("No queries to score: pass at least one ranking.")
    out = {}
    for name in names:
        metric, _, k = name.partition("@")
        if metric not in METRICS:
            raise MetricError(f"Unknown metric {name!r}. Use one of {sorted(METRICS)}, e.g. 'recall@5' or 'mrr'.")
        if not k and metric != "mrr":
            raise MetricError(f"{metric} needs a cut-off, e.g. '{metric}@5'.")
        if k and not k.isdigit():
            raise MetricError(f"Cut-off in {name!r} must be a whole number, e.g. '{metric}@5'.")
        fn, kk = METRICS[metric], int(k) if k else None
        out[name] = sum(fn(run, rel, kk) for run, rel in zip(runs, qrels)) / len(runs)
    return out
