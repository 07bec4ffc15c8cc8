"""Checks for the exercises of notebook 00 (start here).

Each check calls the learner's function on inputs it chooses and compares with a reference
computed by a library the field uses, so a check can fail for a wrong answer. An exercise not attempted
yet (the stub still raises NotImplementedError) gets a reminder, not an error, so the notebook runs top to bottom.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import not_done


def check_cosine(cosine: Callable) -> None:
    """Check a learner's ``cosine(a, b) -> float`` against sentence-transformers' ``cos_sim``."""
    import torch
    from sentence_transformers.util import cos_sim

    rng = np.random.default_rng(0)
    cases = [rng.normal(size=(2, 8)) for _ in range(5)] + [np.array([[1.0, 0.0], [0.0, 3.0]]), np.array([[2.0, 2.0], [1.0, 1.0]])]
    if not_done(cosine, *cases[0], none_is_stub=True)[0]:
        return
    for a, b in cases:
        got = cosine(a, b)
        if got is None:
            raise AssertionError("cosine() returned None for some inputs: does every path end with `return`?")
        want = float(cos_sim(torch.tensor(a), torch.tensor(b))[0, 0])
        if not np.isclose(float(got), want, atol=1e-6):
            raise AssertionError(
                f"cosine({a.round(2).tolist()}, {b.round(2).tolist()}) gave {float(got):.4f}, expected {want:.4f}. "
                "Hint: divide the dot product by the product of the two vector lengths (np.linalg.norm)."
            )
    print("Correct: your cosine similarity matches sentence-transformers' cos_sim on 7 cases.")


def check_most_similar(pick: str | None, sentences: list[str], query: str, embedder) -> None:
    """Check that `pick` is the sentence the embedder puts closest to `query`, and show every similarity."""
    if pick is None:
        print("Not done yet: set `pick` to the candidate you think is closest, then run this cell again.")
        return
    if pick not in sentences:
        raise AssertionError(f"{pick!r} is not one of the candidate sentences.")
    vectors = embedder.encode([query, *sentences], normalize_embeddings=True)
    similarity = vectors[1:] @ vectors[0]
    best = sentences[int(np.argmax(similarity))]
    ranking = "\n".join(f"  {s:.3f}  {t}" for s, t in sorted(zip(similarity, sentences), reverse=True))
    if pick != best:
        raise AssertionError(f"Not quite: the embedder puts {best!r} closest to the query. Its cosine similarities:\n"
                             f"{ranking}\nWhat do the top two share with the query that the others do not?")
    print(f"Correct: the embedder puts {pick!r} closest to {query!r}. Its cosine similarities:\n{ranking}")
