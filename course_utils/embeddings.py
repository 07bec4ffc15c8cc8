"""Turn texts into unit-length vectors, with an on-disk cache so nothing is embedded twice.

The cache is one SQLite file per folder, keyed by (model name, SHA-256 of the text). Run a notebook
twice and the second run embeds nothing; edit one document and only its changed chunks miss the
cache. Vectors are L2-normalised, so an inner product between two of them is their cosine similarity.

    from course_utils import embeddings
    embedder = embeddings.load_cached_embedder()        # MiniLM, cache under .cache/embeddings
    vectors = embedder.encode(["Where is my invoice?"])  # shape (1, 384), float32
    embedder.stats                                       # {'hits': 0, 'misses': 1}

What it leaves out: no eviction (delete the folder to clear it), no cross-process locking beyond what
SQLite provides, and the key is the model *name*: if you replace a model's weights under the same
name, clear the cache.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from . import models
from .config import CourseConfig, CourseError, get_config

_CREATE_TABLE = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vector BLOB)"


class EmbeddingError(CourseError, ValueError):
    """Texts cannot be embedded as asked (wrong input type, empty list where one is required)."""


def _text_key(model_name: str, text: str) -> str:
    """Cache key of one text for one model: SHA-256 of both, so any change to either misses."""
    return hashlib.sha256(f"{model_name}\0{text}".encode("utf-8")).hexdigest()


class CachedEmbedder:
    """A sentence-transformers model plus a persistent cache of the vectors it has produced.

    `encode(texts)` returns a float32 array of shape (len(texts), dim). `stats` counts cache hits and
    misses since creation (the notebook prints them to show the cache at work).
    """

    def __init__(self, model, model_name: str, cache_dir: Path | str | None, batch_size: int = 32):
        self.model = model
        self.model_name = model_name
        self.batch_size = batch_size
        self.stats = {"hits": 0, "misses": 0}
        self._db: sqlite3.Connection | None = None
        self.cache_path = Path(cache_dir) / "embeddings.sqlite" if cache_dir is not None else None

    @property
    def dim(self) -> int:
        """Length of each vector (384 for MiniLM)."""
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def tokenizer(self):
        """The embedder's own tokenizer (use it for token-based chunking)."""
        return self.model.tokenizer

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(self.cache_path)
                if self._db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("quick_check failed")
                self._db.execute(_CREATE_TABLE)
            except sqlite3.DatabaseError as err:
                self._start_over(err)
        return self._db

    def _start_over(self, err: Exception) -> None:
        """A damaged cache file is never used: move it aside, warn, and start an empty one (vectors get recomputed)."""
        if self._db is not None:
            self._db.close()
        aside = self.cache_path.with_suffix(".corrupt")
        os.replace(self.cache_path, aside)
        warnings.warn(
            f"The embedding cache {self.cache_path} was damaged ({err}); it was moved to {aside.name} and a new, "
            "empty cache started. Vectors are recomputed as needed; delete the .corrupt file when you like.",
            stacklevel=3,
        )
        self._db = sqlite3.connect(self.cache_path)
        self._db.execute(_CREATE_TABLE)

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self._connect()
        try:
            for i in range(0, len(keys), 500):  # SQLite limits the number of ? in one statement
                part = keys[i : i + 500]
                rows = db.execute(f"SELECT key, dim, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                for key, dim, blob in rows:
                    if not isinstance(blob, bytes) or len(blob) != 4 * dim:
                        raise sqlite3.DatabaseError(f"the stored vector for one text has {len(blob or b'')} bytes, not {4 * dim}")
                    found[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        except sqlite3.DatabaseError as err:
            self._start_over(err)
            return {}
        return found

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed `texts` (cache first, model for the rest); returns unit-length float32 rows in input order."""
        if isinstance(texts, str):
            raise EmbeddingError("encode() takes a list of texts; wrap a single text in a list: encode([text]).")
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise EmbeddingError("Every item to embed must be a string (a chunk's text, a question).")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [_text_key(self.model_name, t) for t in texts]
        cached = self._lookup(list(set(keys))) if self.cache_path else {}
        todo = {k: t for k, t in zip(keys, texts) if k not in cached}  # dict: duplicates embedded once
        if todo:
            fresh = self.model.encode(
                list(todo.values()),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            ).astype(np.float32)
            new = dict(zip(todo, fresh))
            cached.update(new)
            if self.cache_path:
                with self._connect() as db:  # one transaction: all rows land or none do
                    db.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(k, v.size, v.tobytes()) for k, v in new.items()]
                    )
        self.stats["misses"] += len(todo)
        self.stats["hits"] += len(texts) - len(todo)
        return np.stack([cached[k] for k in keys]).astype(np.float32, copy=False)

    def cached_count(self) -> int:
        """How many vectors the cache file holds (all models sharing this folder)."""
        if not self.cache_path or not self.cache_path.exists():
            return 0
        return self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        """Close the cache file (optional; it is also closed when the object goes away)."""
        if self._db is not None:
            self._db.close()
            self._db = None


def load_cached_embedder(config: CourseConfig | None = None, cache: bool = True, model=None) -> CachedEmbedder:
    """The course embedder (``config.embedder``) with its cache under ``cache_dir/embeddings/<model name>``.

    `cache=False` gives the same embedder without a cache (for measuring cold throughput).
    Pass an already loaded `model` to avoid loading it twice.
    """
    config = config or get_config()
    model = model if model is not None else models.load_embedder(config.embedder, config)
    folder = config.cache_dir / "embeddings" / config.embedder.replace("/", "__") if cache else None
    return CachedEmbedder(model, config.embedder, folder, batch_size=config.profile.embed_batch_size)
