"""Checks for the exercises of notebooks 01 (RAG from scratch) and 02 (RAG in practice).

Each check runs the learner's function on inputs it picks and compares with a reference from a
library (FAISS, the course's tested metrics). A stub that still raises NotImplementedError is
reported as "not done yet" instead of failing, so a notebook with open exercises still runs.
Solutions: notebooks/solutions/01_02_solutions.md.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..chunking import Chunk
from ..evaluate.retrieval import recall_at_k as course_recall_at_k
from ..grounding import cited_doc_ids
from ..rag import Hit
from . import not_done


def check_top_k(top_k: Callable) -> None:
    """Check ``top_k(query, vectors, k) -> indices`` (best first) against FAISS exact inner-product search."""
    import faiss

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((200, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(16)
    index.add(vectors)
    for trial in range(5):
        query, k = vectors[trial * 7] * 0.5 + vectors[trial], [1, 3, 5, 10, 20][trial]
        stub, got = not_done(top_k, query, vectors, k)
        if stub:
            return
        want = index.search(query[None, :].astype(np.float32), k)[1][0].tolist()
        if got is None:
            raise AssertionError("top_k() returned None: did you forget `return`?")
        got = [int(i) for i in got]
        if len(got) != k:
            raise AssertionError(f"Asked for k={k} results, got {len(got)}.")
        if got != want:
            raise AssertionError(
                f"For k={k} FAISS returns {want[:5]}..., you returned {got[:5]}.... "
                "Hint: scores = vectors @ query, then the indices of the k largest, largest first (np.argsort(-scores))."
            )
    print("Correct: your top-k search returns exactly what FAISS's exact index returns on 5 queries.")


def check_cited_ids(cited_ids: Callable) -> None:
    """Check ``cited_ids(answer, doc_ids) -> list[str]``: the documents an answer cites as [n], in order, once each.

    `doc_ids` lists the retrieved chunks' document ids in prompt order ([1] is doc_ids[0]); the reference is
    `grounding.cited_doc_ids`, which notebook 01 uses to score citations.
    """
    doc_ids = ["prod-k3", "policy-returns", "prod-k3", "plan-grove"]
    hits = [Hit(Chunk("text", d, n, 0, 4), 1.0, n + 1) for n, d in enumerate(doc_ids)]
    cases = [
        ("It costs 149 EUR [1].", "one citation"),
        ("Returns take 30 days [2], and the K3 is covered [3].", "two sources"),
        ("See [2] and [1, 4].", "a grouped citation [1, 4]"),
        ("It costs 149 EUR [1][3].", "the same document cited twice (chunks 1 and 3 are both prod-k3)"),
        ("Ask support [7].", "a number with no source behind it"),
        ("No source here.", "no citation at all"),
    ]
    for answer, what in cases:
        stub, got = not_done(cited_ids, answer, list(doc_ids))
        if stub:
            return
        want = cited_doc_ids(answer, hits)
        if got is None:
            raise AssertionError("cited_ids() returned None: did you forget `return`?")
        if list(got) == want:
            continue
        hint = "Hint: find every [n] or [n, m] with a regular expression, then doc_ids[n - 1] (sources count from 1)."
        if len(set(got)) < len(list(got)):
            hint = "Hint: keep each document once, in the order of its first citation (dict.fromkeys keeps order)."
        elif what.startswith("a number"):
            hint = "Hint: skip numbers outside 1..len(doc_ids): the model sometimes cites a source it was not given."
        elif what.startswith("a grouped"):
            hint = "Hint: a marker may hold several numbers separated by commas: split the inside of the brackets on ','."
        raise AssertionError(f"For {answer!r} ({what}) the answer cites {want}, you returned {list(got)}. {hint}")
    print(f"Correct: your parser agrees with the course's on {len(cases)} answers, including grouped, repeated and "
          "out-of-range citations.")


def check_chunker(chunk_chars: Callable) -> None:
    """Check ``chunk_chars(text, size, overlap) -> list[str]``: fixed windows that step by size - overlap."""
    text = "".join(chr(ord("a") + i % 26) for i in range(103))
    for size, overlap in [(10, 0), (10, 3), (25, 5), (200, 10)]:
        stub, got = not_done(chunk_chars, text, size, overlap)
        if stub:
            return
        step = size - overlap
        want = [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]
        if got != want:
            first_diff = next((i for i, (a, b) in enumerate(zip(got or [], want)) if a != b), min(len(got or []), len(want)))
            raise AssertionError(
                f"size={size}, overlap={overlap}: expected {len(want)} chunks, got {len(got or [])}; "
                f"first difference at chunk {first_diff}. Hint: start a chunk every `size - overlap` characters, "
                "and stop once a chunk reaches the end of the text."
            )
    print("Correct: your chunks have the right size, overlap and coverage on 4 settings.")


def check_recall_at_k(recall_at_k: Callable) -> None:
    """Check ``recall_at_k(retrieved, relevant, k) -> float`` against the course's tested implementation."""
    cases = [
        (["d3", "d1", "d7"], {"d1"}, 1),
        (["d3", "d1", "d7"], {"d1"}, 2),
        (["d3", "d1", "d7"], {"d1", "d9"}, 3),
        (["d1", "d1", "d2"], {"d1", "d2"}, 2),  # two chunks of the same document
        ([], {"d1"}, 5),
        (["a", "b", "c", "d", "e", "f"], {"f", "a"}, 5),
    ]
    for retrieved, relevant, k in cases:
        stub, got = not_done(recall_at_k, retrieved, relevant, k)
        if stub:
            return
        want = course_recall_at_k(retrieved, relevant, k)
        if got is None or not np.isclose(float(got), want):
            hint = " Hint: count each document once (several chunks can come from one)." if len(set(retrieved)) < len(retrieved) else ""
            raise AssertionError(f"recall_at_k({retrieved}, {relevant}, k={k}) gave {got}, expected {want}.{hint}")
    print("Correct: your recall@k matches the course's implementation (and ranx's) on 6 cases.")


def check_retrieval_budget(recall: float, characters: float, size: int | None, k: int | None,
                           target: float = 0.9, budget: int = 700) -> None:
    """Check a chunk size and k that reach the target recall with at most `budget` characters of sources per prompt.

    `recall` and `characters` are what the notebook measured for that setting on the validation questions: the
    share of each question's relevant documents among its k retrieved chunks, and the characters those chunks put in
    the prompt, both averaged over the questions.
    """
    if size is None or k is None:
        print("Not done yet: set `my_chunk_size` and `my_k`, then run this cell again.")
        return
    if recall < target:
        raise AssertionError(
            f"Chunk size {size} with k = {k} finds {recall:.3f} of the relevant documents, below the target {target}. "
            "Fewer, smaller chunks miss documents; try a larger k, or larger chunks.")
    if characters > budget:
        raise AssertionError(
            f"Chunk size {size} with k = {k} reaches recall {recall:.3f}, but puts {characters:.0f} characters of "
            f"sources in each prompt, over the budget of {budget}. The reader pays for every character, on every "
            "query: try smaller chunks with a larger k.")
    print(f"Correct: chunk size {size} with k = {k} finds {recall:.3f} of the relevant documents with "
          f"{characters:.0f} characters of sources per prompt (target {target}, budget {budget}).")


# Notebook 02's Exercise 3: for each failure of section 4, the remedies that address it, and why each other one does
# not. A remedy is an option the learner may pick; each failure has at least one right answer among them.
REMEDIES = ["retrieve more", "split the question", "bigger chunks", "rerank", "metadata filter",
            "score threshold", "train the reader to abstain", "lower the temperature"]
RIGHT = {
    "multi_doc": {"retrieve more", "split the question"},
    "distractor": {"rerank", "metadata filter"},
    "unanswerable": {"train the reader to abstain", "rerank"},
}
WHY_NOT = {
    ("multi_doc", "bigger chunks"): "the two facts are on two different pages; a bigger chunk of one page still "
                                    "misses the other",
    ("unanswerable", "score threshold"): "look at section 4.3's table: the best chunk scores about the same for "
                                         "answerable and unanswerable questions here, so any threshold refuses as "
                                         "many good questions as bad ones",
    ("distractor", "retrieve more"): "more chunks bring more distractors, not fewer",
    ("distractor", "bigger chunks"): "a bigger chunk carries more neighbouring facts into the prompt",
    **{(failure, "lower the temperature"): "the course decodes greedily, with no temperature at all; the model "
       "answers wrongly from what it was given, not by chance" for failure in ("multi_doc", "distractor", "unanswerable")},
}


def check_fix_for_failure(fixes: dict[str, str | None], allowed: Sequence[str] = REMEDIES) -> None:
    """Check the learner's remedy for each failure mode of section 4 in notebook 02 (several can be right)."""
    if not fixes or all(v is None for v in fixes.values()):
        print("Not done yet: fill in `fixes` and run this cell again.")
        return
    for failure, right in RIGHT.items():
        got = fixes.get(failure)
        if got not in allowed:
            raise AssertionError(f"{failure!r}: {got!r} is not one of the options {list(allowed)}.")
        if got not in right:
            why = WHY_NOT.get((failure, got), "it does not change what goes wrong in this failure")
            raise AssertionError(f"{failure!r}: {got!r} does not address it: {why}. Re-read the example above.")
    others = {f: sorted(RIGHT[f] - {fixes[f]}) for f in RIGHT}
    print("Correct: each failure is matched with a remedy that addresses it. Also right: "
          + "; ".join(f"{f}: {', '.join(o)}" for f, o in others.items() if o) + ".")
