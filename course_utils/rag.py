"""Retrieval-augmented generation, end to end: index a knowledge base, retrieve, prompt, answer, cite.

    from course_utils import data, models, rag
    from course_utils.embeddings import load_cached_embedder
    kb = rag.KnowledgeIndex.build(data.load_kb("v1"), load_cached_embedder())
    hits = kb.retrieve("How much does the K3 cost?", k=3)          # dense, BM25 or hybrid
    model, tokenizer = models.load_generator()
    result = rag.answer_question("How much does the K3 cost?", kb, model, tokenizer)
    result.answer, result.cited_doc_ids

The model's weights never change: knowledge enters through the prompt. The pieces live in small
modules this one builds on: `chunking` (Chunk, chunk_documents), `embeddings` (CachedEmbedder), `indexes`
(VectorIndex, BM25Index, reciprocal_rank_fusion) and `grounding` (build_prompt, answer_batch, closed_book_batch,
citations), whose functions a notebook reaches through `rag` too (`__all__` lists them).

What it leaves out: query rewriting, re-ranking with a cross-encoder, metadata filters, streaming.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .chunking import Chunk, chunk_documents, doc_ids_in_order
from .config import CourseError, check_whole_number
from .embeddings import load_cached_embedder
from .evaluate.retrieval import mean_metrics
from .files import write_json_atomic
from .grounding import (  # the grounding functions a notebook reaches through `rag` (see __all__)
    NOT_FOUND,
    GroundingError,
    answer_batch,
    answer_question,
    attributed_doc_ids,
    build_prompt,
    cited_doc_ids,
    closed_book_batch,
    strip_citations,
)
from .indexes import INDEX_KINDS, BM25Index, RetrievalIndexError, VectorIndex, reciprocal_rank_fusion

METHODS = ("dense", "bm25", "hybrid")


class RAGError(CourseError, ValueError):
    """A retrieval or generation request cannot be served as asked; the message says how to fix it."""


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its score (higher is better) and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def text(self) -> str:
        return self.chunk.text


@dataclass
class UpdateReport:
    """What `KnowledgeIndex.update` did: document ids per outcome, and how many chunks were embedded."""

    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_removed: int = 0  # chunks of changed or removed documents taken out of the index
    chunks_added: int = 0  # chunks of changed or added documents put in
    chunks_embedded: int = 0  # of those, how many the embedder had to compute (the rest came from the cache)


def _doc_hash(doc: dict) -> str:
    return hashlib.sha256(f"{doc.get('title', '')}\0{doc['text']}".encode()).hexdigest()


class KnowledgeIndex:
    """Chunks of a knowledge base, searchable densely (FAISS), lexically (BM25) or both (hybrid).

    Build it with `KnowledgeIndex.build(docs, embedder, ...)`. Chunk ids in the FAISS index are
    integers that never get reused, so `update` can remove and add chunks without renumbering.
    """

    def __init__(self, embedder, settings: dict):
        if type(embedder).__module__.startswith("sentence_transformers"):
            # A bare sentence-transformers model (models.load_embedder()) instead of the course's embedder: wrap it, so
            # it embeds as the course does (unit-length rows). No cache: the cache is keyed by the configured model.

            embedder = load_cached_embedder(cache=False, model=embedder)
        self.embedder = embedder
        self.settings = settings  # chunking and index parameters, kept so `update` chunks the same way
        self.chunks: dict[int, Chunk] = {}  # integer id -> chunk
        self.doc_hashes: dict[str, str] = {}  # doc id -> content hash, to spot changed documents
        self.dense: VectorIndex | None = None
        self._bm25: BM25Index | None = None
        self._bm25_ids: list[int] = []
        self._next_id = 0

    @classmethod
    def build(
        cls,
        docs: Sequence[dict],
        embedder,
        method: str = "chars",
        size: int = 400,
        overlap: int = 50,
        index_kind: str = "exact",
        progress: bool = False,
        **index_params,
    ) -> "KnowledgeIndex":
        """Chunk `docs` (dicts with id, text, title), embed the chunks (cached) and index them."""
        if index_kind not in INDEX_KINDS:  # fail before spending time on embeddings
            raise RetrievalIndexError(f"Unknown index kind {index_kind!r}. Choose one of {INDEX_KINDS}.")
        settings = dict(method=method, size=size, overlap=overlap, index_kind=index_kind, index_params=index_params)
        kb = cls(embedder, settings)
        chunks = kb._chunk(docs)
        if not chunks:
            raise RAGError("The corpus is empty (no documents, or only empty ones): there is nothing to index.")
        vectors = kb.embedder.encode([c.context_text for c in chunks], progress=progress)
        ids = kb._register(chunks)
        kb.dense = VectorIndex.build(vectors, index_kind, ids=ids, **index_params)
        kb.doc_hashes = {d["id"]: _doc_hash(d) for d in docs}
        return kb

    def _chunk(self, docs: Sequence[dict]) -> list[Chunk]:
        s = self.settings
        tokenizer = self.embedder.tokenizer if s["method"] == "tokens" else None
        return chunk_documents(docs, s["method"], s["size"], s["overlap"], tokenizer)

    def _register(self, chunks: list[Chunk]) -> np.ndarray:
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self.chunks.update(zip(ids.tolist(), chunks))
        self._next_id += len(chunks)
        self._bm25 = None  # lexical index is rebuilt lazily on next use
        return ids

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.doc_hashes)

    def _bm25_index(self) -> BM25Index:
        if self._bm25 is None:
            self._bm25_ids = sorted(self.chunks)
            self._bm25 = BM25Index([self.chunks[i].context_text for i in self._bm25_ids])
        return self._bm25

    def _check_request(self, queries: Sequence[str], k: int, method: str) -> None:
        if method not in METHODS:
            raise RAGError(f"Unknown retrieval method {method!r}. Choose one of {METHODS}.")
        check_whole_number(k, "k (how many chunks to return)", error=RAGError)
        for q in queries:
            if not isinstance(q, str) or not q.strip():
                raise RAGError(f"Empty query {q!r}: ask a question in words, e.g. 'How much does the K3 cost?'.")

    def _dense(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        scores, ids = self.dense.search(self.embedder.encode(list(queries)), k)
        return [[(int(i), float(s)) for i, s in zip(row_i, row_s) if i != -1] for row_i, row_s in zip(ids, scores)]

    def _lexical(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        bm25 = self._bm25_index()
        return [[(self._bm25_ids[p], s) for p, s in row] for row in bm25.search(queries, k)]

    def retrieve_batch(self, queries: Sequence[str], k: int = 5, method: str = "dense") -> list[list[Hit]]:
        """Top-`k` chunks for each query. k larger than the number of chunks returns them all.

        ``method="hybrid"`` fuses the dense and BM25 rankings (top max(k, 20) of each) by reciprocal rank.
        """
        if isinstance(queries, str):
            raise RAGError("retrieve_batch() takes a list of queries; use retrieve() for a single one.")
        queries = list(queries)  # a generator would be used up by the check below
        self._check_request(queries, k, method)
        if not queries:
            return []
        if method == "dense":
            ranked = self._dense(queries, k)
        elif method == "bm25":
            ranked = self._lexical(queries, k)
        else:
            depth = max(k, 20)
            dense, lexical = self._dense(queries, depth), self._lexical(queries, depth)
            ranked = [
                reciprocal_rank_fusion([[i for i, _ in d], [i for i, _ in lx]])[:k] for d, lx in zip(dense, lexical)
            ]
        return [[Hit(self.chunks[i], s, r) for r, (i, s) in enumerate(row, start=1)] for row in ranked]

    def retrieve(self, query: str, k: int = 5, method: str = "dense") -> list[Hit]:
        """Top-`k` chunks for one query, best first, each with its score and source document id."""
        return self.retrieve_batch([query], k, method)[0]

    def evaluate(
        self,
        queries: Sequence[str],
        relevant: Sequence[Sequence[str]],
        ks: Sequence[int] = (1, 5, 10),
        method: str = "dense",
    ) -> dict[str, float]:
        """Retrieval metrics over queries, on *documents*: each document ranks where its best chunk ranks.

        Returns recall@k and hit@k for each k, MRR and nDCG@max(k). `relevant[i]` holds the ids of the
        documents that answer query i (leave unanswerable queries out).
        """
        depth = min(len(self), 4 * max(ks))  # enough chunks to fill max(ks) distinct documents, usually
        runs = [doc_ids_in_order([h.chunk.chunk_id for h in hits]) for hits in self.retrieve_batch(list(queries), depth, method)]
        names = [f"recall@{k}" for k in ks] + [f"hit@{k}" for k in ks] + ["mrr", f"ndcg@{max(ks)}"]
        return mean_metrics(runs, [set(r) for r in relevant], names)

    def update(self, docs: Sequence[dict], progress: bool = False) -> UpdateReport:
        """Make the index match `docs`, re-chunking and re-embedding only documents whose content changed."""
        new_hashes = {d["id"]: _doc_hash(d) for d in docs}
        report = UpdateReport()
        for doc_id in sorted(set(self.doc_hashes) | set(new_hashes)):
            old, new = self.doc_hashes.get(doc_id), new_hashes.get(doc_id)
            bucket = report.unchanged if old == new else report.added if old is None else report.removed if new is None else report.changed
            bucket.append(doc_id)
        stale = set(report.changed) | set(report.removed)
        stale_ids = [i for i, c in self.chunks.items() if c.doc_id in stale]
        fresh_docs = [d for d in docs if d["id"] in set(report.changed) | set(report.added)]
        fresh = self._chunk(fresh_docs)
        if len(self.chunks) - len(stale_ids) + len(fresh) == 0:
            raise RAGError("After this update the knowledge base would be empty; pass at least one document.")
        before = self.embedder.stats["misses"]
        vectors = self.embedder.encode([c.context_text for c in fresh], progress=progress)
        report.chunks_embedded = self.embedder.stats["misses"] - before
        report.chunks_removed, report.chunks_added = len(stale_ids), len(fresh)
        for i in stale_ids:
            del self.chunks[i]
        new_ids = self._register(fresh)
        if self.dense.kind == "hnsw":  # HNSW cannot delete: rebuild from (cached) vectors of all chunks
            ids = np.array(sorted(self.chunks), dtype=np.int64)
            all_vecs = self.embedder.encode([self.chunks[i].context_text for i in ids])
            self.dense = VectorIndex.build(all_vecs, "hnsw", ids=ids, **self.settings["index_params"])
        else:
            if stale_ids:
                self.dense.remove(stale_ids)
            if len(fresh):
                self.dense.add(vectors, new_ids)
        self.doc_hashes = new_hashes
        return report

    def save(self, path: Path | str) -> Path:
        """Save to ``<path>.faiss`` + ``<path>.json`` (chunks, settings, and the index file's checksum)."""
        path = Path(path)
        faiss_path = self.dense.save(path.with_suffix(".faiss"))
        meta = dict(
            model=self.embedder.model_name,
            dim=self.dense.dim,
            settings=self.settings,
            next_id=self._next_id,
            doc_hashes=self.doc_hashes,
            chunks={str(i): asdict(c) for i, c in self.chunks.items()},
            index_sha256=hashlib.sha256(faiss_path.read_bytes()).hexdigest(),
        )
        return write_json_atomic(path.with_suffix(".json"), meta)

    @classmethod
    def load(cls, path: Path | str, embedder) -> "KnowledgeIndex":
        """Load what `save` wrote; refuses an index built by another embedder or a tampered/corrupt file."""
        path = Path(path)
        meta_path, faiss_path = path.with_suffix(".json"), path.with_suffix(".faiss")
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as err:
            raise RAGError(f"Cannot read {meta_path} ({err.__class__.__name__}). Build and save the index again.") from None
        if meta.get("model") != embedder.model_name or meta.get("dim") != embedder.dim:
            raise RAGError(
                f"The index was built with {meta.get('model')!r} ({meta.get('dim')}-d vectors) but the embedder is "
                f"{embedder.model_name!r} ({embedder.dim}-d). Load it with that embedder, or rebuild the index."
            )
        if not faiss_path.is_file() or hashlib.sha256(faiss_path.read_bytes()).hexdigest() != meta.get("index_sha256"):
            raise RAGError(f"{faiss_path} is missing or does not match {meta_path.name}. Build and save the index again.")
        try:
            kb = cls(embedder, meta["settings"])
            kb.chunks = {int(i): Chunk(**c) for i, c in meta["chunks"].items()}
            kb.doc_hashes, kb._next_id = meta["doc_hashes"], meta["next_id"]
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise RAGError(f"{meta_path} is incomplete or damaged ({err.__class__.__name__}: {err}). "
                           "Build and save the index again.") from None
        kb.dense = VectorIndex.load(faiss_path)
        return kb


__all__ = [  # rag's own names, and the grounding functions a notebook reaches through `rag`
    "METHODS", "RAGError", "Hit", "UpdateReport", "KnowledgeIndex",
    "NOT_FOUND", "GroundingError", "answer_batch", "answer_question", "attributed_doc_ids", "build_prompt",
    "cited_doc_ids", "closed_book_batch", "strip_citations",
]
