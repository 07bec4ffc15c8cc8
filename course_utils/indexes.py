"""Search structures behind one small interface: FAISS vector indexes, BM25, and rank fusion.

`VectorIndex` wraps three FAISS indexes over unit-length vectors, scored by inner product (= cosine):

| kind    | FAISS class      | search                         | trade-off                                   |
|---------|------------------|--------------------------------|---------------------------------------------|
| "exact" | IndexFlatIP      | compares the query with all    | always right; cost grows with the corpus    |
| "hnsw"  | IndexHNSWFlat    | walks a neighbour graph        | fast, more memory, no removal               |
| "ivf"   | IndexIVFFlat     | scans `nprobe` of `nlist` cells| needs training; recall depends on nprobe     |

Every index is wrapped in an `IndexIDMap2`, so results carry *your* integer ids (chunk numbers), and
`save`/`load` write atomically (temp file in the same folder, then ``os.replace``).

    >>> import numpy as np
    >>> vecs = np.eye(4, dtype="float32")
    >>> index = VectorIndex.build(vecs, kind="exact")
    >>> index.search(vecs[:1], k=2)[1].tolist()
    [[0, 1]]

`BM25Index` is lexical search with the `bm25s` library; `reciprocal_rank_fusion` merges rankings.
What it leaves out: GPU indexes, product quantisation, filtering by metadata.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import CourseError, check_whole_number
from .files import atomic_path

INDEX_KINDS = ("exact", "hnsw", "ivf")


class RetrievalIndexError(CourseError, ValueError):
    """An index cannot be built, searched or loaded as asked; the message says what to do."""


def _as_matrix(vectors, name: str = "vectors") -> np.ndarray:
    arr = np.ascontiguousarray(vectors, dtype=np.float32)
    if arr.ndim != 2:
        raise RetrievalIndexError(f"{name} must be a 2-D array (rows = items), got shape {arr.shape}.")
    return arr


class VectorIndex:
    """A FAISS index of unit vectors with integer ids: `build`, `add`, `remove`, `search`, `save`, `load`."""

    def __init__(self, faiss_index, kind: str):
        self.index = faiss_index
        self.kind = kind

    @classmethod
    def build(
        cls,
        vectors,
        kind: str = "exact",
        ids: Sequence[int] | None = None,
        hnsw_m: int = 32,
        ef_search: int = 64,
        nlist: int | None = None,
        nprobe: int = 8,
        seed: int = 42,
    ) -> "VectorIndex":
        """Index `vectors` (n x dim float32, unit length). `ids` default to 0..n-1.

        HNSW: `hnsw_m` neighbours per node, `ef_search` candidates kept while searching.
        IVF: `nlist` cells (default about sqrt(n), at least 39 points per cell), `nprobe` of them scanned
        per query; the cells come from k-means on a seeded sample of at most 64 points per cell.
        """
        import faiss

        vectors = _as_matrix(vectors)
        n, dim = vectors.shape
        if n == 0:
            raise RetrievalIndexError("Cannot build an index from 0 vectors: the corpus is empty. Add documents first.")
        if kind == "exact":
            inner = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efSearch = ef_search
        elif kind == "ivf":
            # subtle: k-means wants ~39+ points per cell, or FAISS warns and the cells are poor
            nlist = nlist or max(1, min(int(math.sqrt(n)), n // 39))
            quantizer = faiss.IndexFlatIP(dim)
            inner = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            inner.cp.seed = seed
            sample = np.random.default_rng(seed).choice(n, size=min(n, 64 * nlist), replace=False)
            inner.train(vectors[np.sort(sample)])  # k-means cost grows with the sample, not the corpus
            inner.nprobe = min(nprobe, nlist)
        else:
            raise RetrievalIndexError(f"Unknown index kind {kind!r}. Choose one of {INDEX_KINDS}.")
        index = cls(faiss.IndexIDMap2(inner), kind)  # the Python wrapper keeps `inner` alive
        index.add(vectors, ids if ids is not None else np.arange(n))
        return index

    @property
    def dim(self) -> int:
        """Length of the vectors this index holds."""
        return self.index.d

    @property
    def ntotal(self) -> int:
        """How many vectors are in the index."""
        return self.index.ntotal

    def add(self, vectors, ids: Sequence[int]) -> None:
        """Add vectors under the given integer ids."""
        vectors = _as_matrix(vectors)
        ids = np.asarray(ids, dtype=np.int64)
        if vectors.shape[1] != self.dim:
            raise RetrievalIndexError(
                f"Vectors have {vectors.shape[1]} dimensions but the index holds {self.dim}-dimensional vectors. "
                "Embed with the same model the index was built with, or rebuild the index."
            )
        if len(ids) != len(vectors):
            raise RetrievalIndexError(f"Got {len(ids)} ids for {len(vectors)} vectors; pass one id per vector.")
        if (ids < 0).any():  # FAISS reports "no result" as id -1
            raise RetrievalIndexError(f"Ids must be >= 0, got {ids[ids < 0][:5].tolist()}.")
        unique, counts = np.unique(ids, return_counts=True)
        clashes = unique[counts > 1].tolist()
        if self.ntotal and not clashes:
            clashes = np.intersect1d(unique, faiss_ids(self.index)).tolist()
        if clashes:
            raise RetrievalIndexError(
                f"Id(s) {clashes[:5]} would be used twice; each vector needs its own id. Remove the old vectors first."
            )
        self.index.add_with_ids(vectors, ids)

    def remove(self, ids: Sequence[int]) -> int:
        """Remove vectors by id; returns how many went. HNSW cannot remove: rebuild it instead."""
        import faiss

        if self.kind == "hnsw":
            raise RetrievalIndexError("An HNSW index cannot remove vectors. Rebuild it with VectorIndex.build(...).")
        return int(self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))))

    def search(self, queries, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` (scores, ids) per query row, best first. Missing results (k > ntotal) are dropped by callers: id -1."""
        queries = _as_matrix(queries, "queries")
        if queries.shape[1] != self.dim:
            raise RetrievalIndexError(
                f"Query vectors have {queries.shape[1]} dimensions but the index holds {self.dim}-dimensional vectors. "
                "Embed queries with the model that built the index (or rebuild the index for the new model)."
            )
        check_whole_number(k, "k", error=RetrievalIndexError)
        if self.ntotal == 0:
            raise RetrievalIndexError("The index is empty: add vectors before searching.")
        scores, ids = self.index.search(queries, int(min(k, self.ntotal)))
        return scores, ids

    def save(self, path: Path | str) -> Path:
        """Write the index to `path` atomically: a reader sees the old file or the new one, never half of one."""
        import faiss

        path = Path(path)
        with atomic_path(path) as tmp:
            faiss.write_index(self.index, str(tmp))
        return path

    @classmethod
    def load(cls, path: Path | str, kind: str | None = None) -> "VectorIndex":
        """Read an index written by `save`. A missing or corrupt file raises RetrievalIndexError."""
        import faiss

        path = Path(path)
        if not path.is_file():
            raise RetrievalIndexError(f"No index file at {path}. Build the index and save it first.")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            raise RetrievalIndexError(
                f"Could not read the index at {path}: the file is corrupt or not a FAISS index. "
                "Delete it and build the index again."
            ) from None
        if not isinstance(index, faiss.IndexIDMap2):
            raise RetrievalIndexError(
                f"{path} is a FAISS index ({type(index).__name__}) but not one written by VectorIndex.save (it keeps "
                "no chunk ids). Build the index with the course's tools and save it again."
            )
        inner = faiss.downcast_index(index.index)
        found = {"IndexFlatIP": "exact", "IndexHNSWFlat": "hnsw", "IndexIVFFlat": "ivf"}.get(type(inner).__name__)
        if found is None:
            raise RetrievalIndexError(
                f"{path} holds a {type(inner).__name__} index; the course reads {INDEX_KINDS} indexes only. Rebuild it."
            )
        if kind is not None and kind != found:
            raise RetrievalIndexError(f"{path} holds a {found!r} index, not {kind!r}.")
        return cls(index, found)


def faiss_ids(index) -> np.ndarray:
    """The ids an IndexIDMap2 holds (int64), in insertion order."""
    import faiss

    return faiss.vector_to_array(index.id_map)


def index_size_bytes(index: VectorIndex) -> int:
    """Bytes the index takes when written out, a close proxy for its memory (vectors + graph/cells + ids)."""
    with tempfile.TemporaryDirectory() as folder:
        return index.save(Path(folder) / "index.faiss").stat().st_size


class BM25Index:
    """Lexical search (BM25, via `bm25s`): scores documents by the query words they contain.

    Tokenisation: lower case, words of 2+ letters or digits, English stop words removed, no stemming
    ("price" does not match "pricing"). Documents sharing no word with the query are not returned.
    """

    def __init__(self, texts: Sequence[str]):
        import bm25s
        from bm25s.tokenization import Tokenizer

        if len(texts) == 0:
            raise RetrievalIndexError("Cannot build a BM25 index over 0 texts: the corpus is empty.")
        self.tokenizer = Tokenizer(stopwords="en")
        self.bm25 = bm25s.BM25()
        self.bm25.index(self.tokenizer.tokenize(list(texts), show_progress=False), show_progress=False)
        self.size = len(texts)

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Per query, up to `k` (position, score) pairs, best first; positions index the texts given at build."""
        if isinstance(queries, str):
            raise RetrievalIndexError("search() takes a list of queries; for one, pass [query].")
        check_whole_number(k, "k", error=RetrievalIndexError)
        tokens = self.tokenizer.tokenize(list(queries), update_vocab=False, show_progress=False)
        docs, scores = self.bm25.retrieve(tokens, k=min(k, self.size), show_progress=False, n_threads=1)
        # subtle: bm25s pads with score-0 documents; they share no word with the query, so drop them
        return [[(int(d), float(s)) for d, s in zip(row_d, row_s) if s > 0] for row_d, row_s in zip(docs, scores)]


def reciprocal_rank_fusion(rankings: Sequence[Sequence], k0: int = 60) -> list[tuple[object, float]]:
    """Merge ranked lists: score(item) = sum over lists of 1 / (k0 + rank), rank starting at 1.

    Only ranks matter, so lexical and dense scores on different scales combine without tuning.
    >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]])[0][0]
    'b'
    """
    if isinstance(k0, bool) or not isinstance(k0, (int, float)) or k0 < 0:
        raise RetrievalIndexError(f"k0 must be a number >= 0 (60 is the usual choice), got {k0!r}.")
    fused: dict[object, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k0 + rank)
    return sorted(fused.items(), key=lambda pair: (-pair[1], str(pair[0])))
