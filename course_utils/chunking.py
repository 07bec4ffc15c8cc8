"""Cut documents into chunks for retrieval, remembering where every chunk came from.

Three ways to cut, all returning `Chunk` objects that keep the source document id, the chunk's
position in the document and its character span, so an answer can cite its source:

- `chunk_text(..., unit="chars")`: windows of `size` characters with `overlap`, cut at a space;
- `chunk_text(..., unit="tokens", tokenizer=...)`: windows of `size` tokens of a Hugging Face tokenizer
  (use the embedder's, so a chunk never exceeds what the embedder reads);
- `chunk_markdown`: one chunk per Markdown section (a heading and its body); long sections are cut again.

    >>> chunks = chunk_text("one two three four five six", "doc-1", size=12, overlap=4)
    >>> [(c.chunk_id, c.text) for c in chunks]
    [('doc-1#0', 'one two'), ('doc-1#1', 'two three'), ('doc-1#2', 'three four'), ('doc-1#3', 'four five'), ('doc-1#4', 'five six')]

What it leaves out: no sentence splitter, no tables or code-block awareness, no semantic chunking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .config import CourseError, check_whole_number, is_whole_number


class ChunkingError(CourseError, ValueError):
    """Chunking parameters or inputs are invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its text, where it came from, and where it sits in the source."""

    text: str
    doc_id: str  # id of the source document (what a citation points to)
    position: int  # 0, 1, 2, ... within the document
    start: int  # character offset of `text` in the document body
    end: int  # offset just past the end, so body[start:end] == text
    title: str = ""  # the document's title
    section: str = ""  # the Markdown heading the chunk sits under, if known

    @property
    def chunk_id(self) -> str:
        """Unique id of the chunk: ``<doc_id>#<position>``."""
        return f"{self.doc_id}#{self.position}"

    @property
    def context_text(self) -> str:
        """What gets embedded and indexed: title and section first, so a chunk knows what it is about."""
        head = " / ".join(part for part in (self.title, self.section) if part)
        return f"{head}\n{self.text}" if head else self.text


def _check_window(size: int, overlap: int) -> None:
    check_whole_number(size, "Chunk size", error=ChunkingError, hint="Try size=400 (characters).")
    if not is_whole_number(overlap, minimum=0) or overlap >= size:
        raise ChunkingError(
            f"Overlap must be 0 <= overlap < size, got overlap={overlap!r} with size={size}. Try overlap={size // 8}."
        )


def _last_space(text: str, lo: int, hi: int) -> int:
    """Index of the last whitespace character in text[lo:hi], or -1 if there is none."""
    for i in range(min(hi, len(text)) - 1, lo - 1, -1):
        if text[i].isspace():
            return i
    return -1


def _char_spans(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """Character windows of at most `size`, cut at whitespace, each starting `overlap` characters back."""
    spans, start, n = [], 0, len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:  # cut at the last space in the window's second half, so words are not split
            cut = _last_space(text, start + 1, end + 1)
            end = cut if cut > start + size // 2 else end
        spans.append((start, end))
        if end >= n:
            break
        nxt = end - overlap
        if overlap:  # round the overlap up to whole words: start at the beginning of a word
            back = _last_space(text, start + 1, nxt + 1)
            nxt = back + 1 if back != -1 else nxt
        start = max(nxt, start + 1)  # always move forward
    return spans


def _token_spans(text: str, size: int, overlap: int, tokenizer) -> list[tuple[int, int]]:
    """Windows of `size` tokens (stepping `size - overlap`), as character spans via the offset mapping."""
    # verbose=False: a whole document may exceed the model length; we only need offsets here
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)["offset_mapping"]
    spans = []
    for first in range(0, len(offsets), size - overlap):
        window = offsets[first : first + size]
        spans.append((window[0][0], window[-1][1]))
        if first + size >= len(offsets):
            break
    return spans


def chunk_text(
    text: str,
    doc_id: str,
    size: int = 400,
    overlap: int = 50,
    unit: str = "chars",
    tokenizer=None,
    title: str = "",
    section: str = "",
    offset: int = 0,
) -> list[Chunk]:
    """Cut `text` into overlapping windows of `size` characters (``unit="chars"``) or tokens (``unit="tokens"``).

    `offset` shifts the recorded spans (used when `text` is one section of a longer document).
    Empty or all-space text gives no chunks.
    """
    if not isinstance(text, str):
        raise ChunkingError(f"chunk_text() needs the document's text as a string, got {type(text).__name__} for {doc_id!r}.")
    _check_window(size, overlap)
    if unit == "chars":
        spans = _char_spans(text, size, overlap)
    elif unit == "tokens":
        if tokenizer is None:
            raise ChunkingError("unit='tokens' needs a tokenizer, e.g. tokenizer=embedder.tokenizer.")
        spans = _token_spans(text, size, overlap, tokenizer)
    else:
        raise ChunkingError(f"Unknown unit {unit!r}. Use 'chars' or 'tokens'.")
    chunks = []
    for start, end in spans:
        # strip surrounding whitespace but keep the span exact, so body[start:end] == text always holds
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if piece:
            s = offset + start + lead
            chunks.append(Chunk(piece, doc_id, len(chunks), s, s + len(piece), title, section))
    return chunks


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def chunk_markdown(
    text: str, doc_id: str, title: str = "", max_size: int | None = None, overlap: int = 0, unit: str = "chars", tokenizer=None
) -> list[Chunk]:
    """One chunk per Markdown section; a section longer than `max_size` is cut with `chunk_text`.

    The section's heading is kept in `Chunk.section` (and inside the text); text before the first
    heading becomes a section of its own.
    """
    bounds = [m.start() for m in _HEADING.finditer(text)]
    starts = ([0] if not bounds or bounds[0] > 0 else []) + bounds
    chunks: list[Chunk] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        body = text[start:end]
        match = _HEADING.match(body)
        section = match.group(2) if match else ""
        if max_size is None:
            pieces = chunk_text(body, doc_id, size=max(len(body), 1), overlap=0, title=title, section=section, offset=start)
        else:
            pieces = chunk_text(body, doc_id, max_size, overlap, unit, tokenizer, title, section, offset=start)
        for piece in pieces:
            chunks.append(Chunk(piece.text, doc_id, len(chunks), piece.start, piece.end, title, section))
    return chunks


def chunk_documents(
    docs: Iterable[dict], method: str = "chars", size: int = 400, overlap: int = 50, tokenizer=None
) -> list[Chunk]:
    """Chunk every document (dicts with ``id``, ``text`` and optionally ``title``), in order.

    `method` is ``"chars"``, ``"tokens"`` or ``"markdown"`` (sections, each cut to at most `size` characters).
    """
    if method not in ("chars", "tokens", "markdown"):
        raise ChunkingError(f"Unknown chunking method {method!r}. Use 'chars', 'tokens' or 'markdown'.")
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for doc in docs:
        if "id" not in doc or "text" not in doc:
            raise ChunkingError(f"Each document needs 'id' and 'text' keys; got keys {sorted(doc)}.")
        if doc["id"] in seen:
            raise ChunkingError(f"Document id {doc['id']!r} appears twice; ids must be unique so citations are unambiguous.")
        seen.add(doc["id"])
        title = doc.get("title", "")
        if method == "markdown":
            chunks += chunk_markdown(doc["text"], doc["id"], title, max_size=size, overlap=overlap)
        else:
            chunks += chunk_text(doc["text"], doc["id"], size, overlap, method, tokenizer, title)
    return chunks


def doc_ids_in_order(chunk_ids: Sequence[str]) -> list[str]:
    """Document ids of ranked chunk ids, first occurrence kept: ["a#2", "b#0", "a#0"] -> ["a", "b"]."""
    if isinstance(chunk_ids, str):
        raise ChunkingError(f"chunk_ids must be a list of chunk ids, got the string {chunk_ids!r}. Wrap one in a list.")
    seen: dict[str, None] = {}
    for cid in chunk_ids:
        seen.setdefault(cid.rsplit("#", 1)[0], None)
    return list(seen)
