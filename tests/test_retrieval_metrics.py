"""Retrieval metrics: hand-computed cases, then a cross-check against ranx on the same seeded runs."""

import math
import random
import warnings

import pytest

from course_utils.evaluate.retrieval import (
    MetricError,
    hit_at_k,
    mean_metrics,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)

RUN = ["d3", "d1", "d7", "d2"]
RELEVANT = {"d1", "d2"}


def test_hand_computed_values():
    assert recall_at_k(RUN, RELEVANT, 1) == 0.0
    assert recall_at_k(RUN, RELEVANT, 2) == 0.5
    assert recall_at_k(RUN, RELEVANT, 4) == 1.0
    assert precision_at_k(RUN, RELEVANT, 2) == 0.5
    assert precision_at_k(RUN, RELEVANT, 10) == 0.2  # empty slots count against precision
    assert hit_at_k(RUN, RELEVANT, 1) == 0.0 and hit_at_k(RUN, RELEVANT, 2) == 1.0
    assert reciprocal_rank(RUN, RELEVANT) == 0.5
    assert reciprocal_rank(RUN, RELEVANT, k=1) == 0.0
    # DCG@4 = 1/log2(3) + 1/log2(5); ideal = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RUN, RELEVANT, 4) == pytest.approx(expected)


def test_duplicate_ids_count_once_at_their_best_rank():
    # three chunks of d1 retrieved: d1 must not fill the top 3 for recall/precision
    assert recall_at_k(["d1", "d1", "d2"], {"d1", "d2"}, 2) == 1.0
    assert precision_at_k(["d1", "d1", "d1"], {"d1", "d2"}, 3) == pytest.approx(1 / 3)


def test_mean_metrics_averages_over_queries():
    result = mean_metrics([["a", "b"], ["c", "a"], ["x"]], [{"a"}, {"a"}, {"a"}], ["recall@1", "hit@2", "mrr"])
    assert result == pytest.approx({"recall@1": 1 / 3, "hit@2": 2 / 3, "mrr": (1 + 0.5 + 0) / 3})


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: recall_at_k(RUN, RELEVANT, 0), "positive integer"),
        (lambda: recall_at_k(RUN, RELEVANT, -1), "positive integer"),
        (lambda: recall_at_k(RUN, set(), 5), "no relevant documents"),
        (lambda: mean_metrics([RUN], [RELEVANT, RELEVANT]), "one of each per query"),
        (lambda: mean_metrics([], []), "No queries"),
        (lambda: mean_metrics([RUN], [RELEVANT], ["recal@5"]), "Unknown metric"),
        (lambda: mean_metrics([RUN], [RELEVANT], ["recall"]), "needs a cut-off"),
        (lambda: mean_metrics([RUN], [RELEVANT], ["recall@five"]), "whole number"),
    ],
)
def test_bad_inputs_raise_metric_error(call, message):
    with pytest.raises(MetricError, match=message):
        call()


def _random_runs(seed: int, n_queries: int = 60, n_docs: int = 40):
    rng = random.Random(seed)
    docs = [f"doc{i}" for i in range(n_docs)]
    runs, qrels = [], []
    for _ in range(n_queries):
        qrels.append(set(rng.sample(docs, rng.randint(1, 3))))
        runs.append(rng.sample(docs, rng.randint(0, 15)))  # includes empty and short rankings
    return runs, qrels


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_ranx_on_the_same_runs(seed):
    ranx = pytest.importorskip("ranx")
    runs, qrels = _random_runs(seed)
    names = ["recall@1", "recall@5", "recall@10", "precision@5", "ndcg@5", "ndcg@10", "mrr", "hit@3"]
    ours = mean_metrics(runs, qrels, names)

    qrels_dict = {f"q{i}": {d: 1 for d in rel} for i, rel in enumerate(qrels)}
    # ranx ranks by score: give strictly decreasing scores in our order; an empty ranking gets a
    # non-relevant placeholder because ranx needs at least one document per query
    run_dict = {
        f"q{i}": ({d: float(len(run) - r) for r, d in enumerate(run)} or {"none": 0.0}) for i, run in enumerate(runs)
    }
    ranx_names = [n.replace("hit@", "hit_rate@") for n in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba type-cast warnings inside ranx teach nothing here
        theirs = ranx.evaluate(ranx.Qrels(qrels_dict), ranx.Run(run_dict), ranx_names)
    for ours_name, ranx_name in zip(names, ranx_names):
        assert ours[ours_name] == pytest.approx(float(theirs[ranx_name]), abs=1e-9), ours_name
