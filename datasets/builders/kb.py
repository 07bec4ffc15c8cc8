"""Render the knowledge base (v1 and v2) from the fact table, remembering where each fact was written.

Page writers (kb_products.py, kb_pages.py) call ``f("k3.price")`` instead of typing "149 EUR". The call
returns the value wrapped in invisible markers; ``render_kb`` strips them and records, per fact, the
documents and the exact lines (passages) that state it. That index is what makes every gold answer
provably present in its cited documents.

    >>> docs, where = render_kb("v1")
    >>> where["k3.price"]            # doc id -> lines that state the fact
    {'prod-k3': ['- List price: 149 EUR, VAT included']}

Leaves out: real Markdown parsing. A passage is the paragraph the value sits in, or its list item, or
its table row preceded by the table's header row; every line of a passage is a line of the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import kb_pages
import kb_products
from world import value

KB_UPDATE_DATE = "2025-07-01"  # date stamped on every document that changed in v2
_MARK = re.compile("\ue000([^\ue001]+)\ue001([^\ue002]*)\ue002")


class FactRef:
    """Callable handed to page writers: ``f(key)`` returns the marked value of a fact in this version."""

    def __init__(self, version: str):
        self.version = version

    @property
    def v2(self) -> bool:
        return self.version == "v2"

    def __call__(self, key: str) -> str:
        val = value(key, self.version)
        if val is None:
            raise KeyError(f"fact {key!r} does not exist in {self.version}; guard the page with f.v2")
        return f"\ue000{key}\ue001{val}\ue002"

    def plain(self, key: str) -> str:
        """The value without markers (for sentences that mention a fact without being its source)."""
        return value(key, self.version)


def _writers() -> list[Callable]:
    return kb_products.WRITERS + kb_pages.WRITERS


def _render_one(writer: Callable, version: str) -> list[dict]:
    out = writer(FactRef(version))
    return out if isinstance(out, list) else [out]


def _is_block_line(line: str) -> bool:
    """List items, table rows, headings and numbered steps stand alone; other lines belong to a paragraph."""
    return bool(re.match(r"(- |\||#|\d+\. )", line)) or not line.strip()


def _passage(lines: list[str], i: int) -> str:
    """The self-contained text around line i: its paragraph, its list item, or its table row with the header."""
    line = lines[i]
    if line.startswith("|"):
        # subtle: a table row alone ("| Canopy | 11 EUR | ...") loses its column names, so the passage
        # carries the table's header row as its first line
        start = i
        while start > 0 and lines[start - 1].startswith("|"):
            start -= 1
        return line if start == i else f"{lines[start]}\n{line}"
    if _is_block_line(line):
        return line.strip()
    start, end = i, i
    while start > 0 and not _is_block_line(lines[start - 1]):
        start -= 1
    while end + 1 < len(lines) and not _is_block_line(lines[end + 1]):
        end += 1
    return "\n".join(lines[start:end + 1])


def render_kb(version: str) -> tuple[dict[str, dict], dict[str, dict[str, list[str]]]]:
    """Render every document of `version`.

    Returns (docs, where): docs maps id -> {id, title, type, product, version, date, text};
    where maps fact key -> {doc id -> [passage lines]}.
    """
    docs: dict[str, dict] = {}
    where: dict[str, dict[str, list[str]]] = {}
    v1_bodies = {}
    if version == "v2":
        v1_bodies = {d["id"]: d["body"] for w in _writers() for d in _render_one(w, "v1") if d}
    for writer in _writers():
        for doc in _render_one(writer, version):
            if not doc:
                continue
            body = doc["body"].strip("\n") + "\n"
            raw = body.split("\n")
            lines = [_MARK.sub(lambda m: m.group(2), line) for line in raw]
            for i, line in enumerate(raw):
                for m in _MARK.finditer(line):
                    passage = _passage(lines, i)
                    found = where.setdefault(m.group(1), {}).setdefault(doc["id"], [])
                    if passage not in found:
                        found.append(passage)
            text = "\n".join(lines)
            revision, date = 1, doc["date"]
            if version == "v2" and v1_bodies.get(doc["id"]) != doc["body"]:
                revision, date = 2, KB_UPDATE_DATE  # changed (or new) in the update
            if doc["id"] in docs:
                raise ValueError(f"duplicate document id {doc['id']}")
            docs[doc["id"]] = dict(
                id=doc["id"], title=doc["title"], type=doc["type"], product=doc.get("product", "general"),
                version=revision, date=date, text=text,
            )
    return dict(sorted(docs.items())), where


def to_markdown(doc: dict) -> str:
    """Front matter + body, the exact bytes written to kb/<version>/<id>.md."""
    head = ["---"] + [f"{k}: {doc[k]}" for k in ("id", "title", "type", "product", "version", "date")] + ["---", ""]
    return "\n".join(head) + doc["text"]
