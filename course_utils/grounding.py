"""Grounded generation: put retrieved chunks in the prompt as numbered sources, answer, and cite.

    messages = build_prompt("How much does the K3 cost?", hits)   # hits from KnowledgeIndex.retrieve
    answers = answer_batch(questions, kb, model, tokenizer, k=3)  # retrieve + prompt + generate
    answers[0].answer, answers[0].cited_doc_ids, answers[0].source_doc_ids

Citations come two ways: the numbers the model writes itself ("[2]"), and, because a 135M-parameter
model often forgets to write them, a post-hoc attribution (which given source shares most words
with the answer). Notebooks report both separately.

What it leaves out: answer verification, quote extraction, refusing on low retrieval scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .config import CourseError
from .evaluate.answers import normalize_answer
from .models import chat_batch

NOT_FOUND = "not in the knowledge base"  # what the model is told to say when the sources lack the answer


class GroundingError(CourseError, ValueError):
    """A prompt or answer cannot be built as asked; the message says how to fix it."""


SYSTEM_PROMPT = (
    "You are a support assistant. Answer from the context only, in one short sentence, "
    f"and cite the source like [1]. If the answer is not in the context, say: {NOT_FOUND}."
)
_HEADING_MARKS = re.compile(r"^#+\s*", re.MULTILINE)


def check_hits(hits, error: type[Exception] = GroundingError) -> list:
    """`hits` as a list of retrieved chunks (`rag.Hit`); anything else raises `error` with what to pass instead."""
    if isinstance(hits, (str, bytes, dict)) or not hasattr(hits, "__iter__"):
        raise error(f"hits must be a list of retrieved chunks (from KnowledgeIndex.retrieve), got {type(hits).__name__}.")
    hits = list(hits)
    for h in hits:
        if not all(hasattr(h, name) for name in ("text", "doc_id", "chunk")):
            raise error(f"hits must be retrieved chunks (rag.Hit, from KnowledgeIndex.retrieve), got a "
                        f"{type(h).__name__}: {str(h)[:60]!r}.")
    return hits


def source_text(hit) -> str:
    """One retrieved chunk as one line of prompt text, ``Title: text``: the course's one way to show a source to a
    model (numbered here, labelled with its document id in notebook 05)."""
    text = " ".join(_HEADING_MARKS.sub("", hit.text).split())  # Markdown marks and line breaks only cost tokens
    return f"{hit.chunk.title}: {text}" if hit.chunk.title else text


def source_texts(hits: Sequence) -> list[str]:
    """Each retrieved chunk as `source_text`, in retrieval order (unnumbered)."""
    return [source_text(h) for h in check_hits(hits)]


def format_sources(hits: Sequence) -> str:
    """Number the retrieved chunks for the prompt, one per line: ``[1] Title: text``."""
    return "\n".join(f"[{n}] {text}" for n, text in enumerate(source_texts(hits), start=1))


def build_prompt(question: str, hits: Sequence, system: str = SYSTEM_PROMPT) -> list[dict]:
    """The chat messages the model sees: instructions, numbered sources, then the question."""
    if not isinstance(question, str) or not question.strip():
        raise GroundingError("Empty question: there is nothing to answer.")
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Context:\n{format_sources(hits)}\n\nQuestion: {question.strip()}"},
    ]


_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_doc_ids(answer: str, hits: Sequence) -> list[str]:
    """Document ids of the sources an answer cites as [n] or [n, m]; numbers outside 1..len(hits) are ignored."""
    if not isinstance(answer, str):
        raise GroundingError(f"answer must be the model's text (a string), got {type(answer).__name__}.")
    hits = check_hits(hits)
    numbers = [int(n) for group in _CITATION.findall(answer) for n in group.split(",")]
    return list(dict.fromkeys(hits[n - 1].doc_id for n in numbers if 1 <= n <= len(hits)))


def strip_citations(answer: str) -> str:
    """The answer without its [n] markers (what gets scored against the gold answer)."""
    if not isinstance(answer, str):
        raise GroundingError(f"answer must be the model's text (a string), got {type(answer).__name__}.")
    return " ".join(_CITATION.sub(" ", answer).split())


_STOPWORDS = set(
    "a an the is are was were be been it its this that of to in on at for with by from and or as "
    "you your we our i can do does did has have had will would not no yes what which who how when".split()
)


def attributed_doc_ids(answer: str, hits: Sequence, question: str = "", min_overlap: float = 0.3) -> list[str]:
    """Post-hoc attribution: the given source that contains the largest share of the answer's content words.

    Content words = answer words minus stop words and minus the question's words (repeating the
    question proves nothing). The best source must hold at least `min_overlap` of them; ties go to
    the higher-ranked source. Small models often ignore "cite like [1]"; this recovers which source an
    answer came from, but it cannot tell a copied fact from a coincidence, so report it as attribution.

    >>> from types import SimpleNamespace as NS
    >>> hits = [NS(doc_id=d, text=t, chunk=NS(context_text=t)) for d, t in (("a", "Returns: 30 days"), ("b", "Price: 149 EUR"))]
    >>> attributed_doc_ids("It costs 149 EUR.", hits, question="How much does it cost?")
    ['b']
    """
    hits = check_hits(hits)
    if normalize_answer(NOT_FOUND) in normalize_answer(answer):
        return []
    skip = _STOPWORDS | set(normalize_answer(question).split())
    words = set(normalize_answer(answer).split()) - skip
    if not words:
        return []
    best, best_share = None, min_overlap
    for h in hits:
        share = len(words & set(normalize_answer(h.chunk.context_text).split())) / len(words)
        if share > best_share or (best is None and share == best_share):
            best, best_share = h.doc_id, share
    return [best] if best else []


@dataclass
class GroundedAnswer:
    """A generated answer with the sources it was given and the documents it cites."""

    question: str
    answer: str  # the model's text without [n] markers
    raw: str  # the model's text as generated
    hits: list  # the retrieved Hit objects given as sources
    cited_doc_ids: list[str]  # sources the model cited itself, as [n]
    attributed_doc_ids: list[str]  # best-supporting given source by word overlap (see attributed_doc_ids)
    messages: list[dict]

    @property
    def source_doc_ids(self) -> list[str]:
        """The model's own citations when it gave any, otherwise the post-hoc attribution."""
        return self.cited_doc_ids or self.attributed_doc_ids


def _question_list(questions, caller: str) -> list[str]:
    """`questions` as a list, refusing a lone string (which would be read one character at a time)."""
    if isinstance(questions, str):
        raise GroundingError(f"{caller}() takes a list of questions; for one, pass [question] (or use answer_question).")
    return list(questions)


def answer_batch(questions: Sequence[str], kb, model, tokenizer, k: int = 3, method: str = "dense",
                 progress: bool = True, **changes) -> list[GroundedAnswer]:
    """Retrieve `k` chunks per question, prompt the model with them, and return grounded answers with citations.

    Generation follows config.GENERATION["grounded"] (batches of 8, prompts of similar length together, the
    instructions every prompt starts with read once); keyword `changes` adjust it, e.g. ``max_new_tokens=32``.
    """
    questions = _question_list(questions, "answer_batch")
    all_hits = kb.retrieve_batch(questions, k, method)
    conversations = [build_prompt(q, hits) for q, hits in zip(questions, all_hits)]
    raw = chat_batch(model, tokenizer, conversations, "grounded", progress, **changes)
    return [
        GroundedAnswer(q, strip_citations(r), r, hits, cited_doc_ids(r, hits), attributed_doc_ids(r, hits, q), msgs)
        for q, r, hits, msgs in zip(questions, raw, all_hits, conversations)
    ]


def answer_question(question: str, kb, model, tokenizer, k: int = 3, **kwargs) -> GroundedAnswer:
    """One grounded answer (see `answer_batch`)."""
    return answer_batch([question], kb, model, tokenizer, k, progress=False, **kwargs)[0]


CLOSED_BOOK_SYSTEM = "You answer customer questions about the company's products. Give a short answer."


def closed_book_batch(questions: Sequence[str], model, tokenizer, progress: bool = True, **changes) -> list[str]:
    """The same model with no sources: what it answers from its weights alone.

    Generation follows config.GENERATION["closed book"] (short prompts, so large batches; the shared system prompt
    read once); keyword `changes` adjust it."""
    questions = _question_list(questions, "closed_book_batch")
    conversations = [[{"role": "system", "content": CLOSED_BOOK_SYSTEM}, {"role": "user", "content": q}] for q in questions]
    return chat_batch(model, tokenizer, conversations, "closed book", progress, **changes)
