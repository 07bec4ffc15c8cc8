"""Training data for notebook 05's two fine-tuned systems.

`reader_rows` builds the training set of the retrieval-aware reader in the spirit of RAFT (Zhang et al., 2024):
each training question comes with chunks from the course's own retriever; most contexts hold the gold document
among distractors (target: the gold answer, citing it), some hold distractors only (target: "not in the knowledge
base"), so the model learns to answer from what it is shown, to cite it, and to abstain when it is not there.
`closed_book_rows` and `closed_book_facts` build the system without retrieval: question -> answer object.
"""

from __future__ import annotations

import random
from typing import Sequence

import pandas as pd

from ..config import check_whole_number, is_whole_number
from ..data import UNANSWERABLE
from ..evaluate.answers import normalize_answer
from ..rag import Hit
from .task import SupportError, build_messages, target_json


def _evidence_chunk(kb, doc_id: str, answer: str, passages: Sequence[str]):
    """The chunk of one document that best holds the evidence: most words of a gold passage, the answer as tie-break."""
    chunks = [c for c in kb.chunks.values() if c.doc_id == doc_id]
    if not chunks:
        return None
    key = normalize_answer(answer)
    passage_words = [set(normalize_answer(p).split()) for p in passages] or [set(key.split())]

    def coverage(chunk) -> tuple[float, bool]:
        words = set(normalize_answer(chunk.text).split())
        return max(len(words & p) / max(len(p), 1) for p in passage_words), key in normalize_answer(chunk.text)

    return max(chunks, key=coverage)


def reader_context(
    kb, question: str, target: dict, k: int, mode: str, rng: random.Random, passages: Sequence[str] = (),
    shuffle: bool = False, depth: int = 10,
) -> tuple[list, dict]:
    """One training context (k chunks) and its target.

    mode 'gold': the retriever's top-k, where the chunk of each gold document that holds the evidence (the gold
    `passages`) takes a distractor's place if retrieval missed it; target: the gold answer, citing the gold
    documents. mode 'distractors': the best-ranked chunks of *other* documents; target: not in the knowledge base.
    `shuffle` samples the distractors from the top `depth` and shuffles the order (more variety per question).
    """
    if mode not in ("gold", "distractors"):
        raise SupportError(f"mode must be 'gold' or 'distractors', got {mode!r}.")
    hits = kb.retrieve(question, k=depth)
    gold_docs = list(target["sources"]) if target["answerable"] else []
    distractors = [h for h in hits if h.doc_id not in gold_docs]
    if len(distractors) < k:  # a long gold document can fill the whole top `depth`: look further down
        distractors = [h for h in kb.retrieve(question, k=min(len(kb), 5 * depth)) if h.doc_id not in gold_docs][:depth]
    if shuffle:
        distractors = rng.sample(distractors, len(distractors))
    if mode == "distractors" or not gold_docs:
        return distractors[:k], {"answer": UNANSWERABLE, "sources": [], "answerable": False}
    evidence = [c for c in (_evidence_chunk(kb, d, target["answer"], passages) for d in gold_docs) if c is not None]
    evidence = evidence[:k]
    if shuffle:
        chosen = [Hit(c, 0.0, 0) for c in evidence] + distractors[: k - len(evidence)]
        rng.shuffle(chosen)
    else:  # retrieval order; a missing evidence chunk takes the place of a random chunk that is not evidence
        chosen = list(hits[:k])
        for c in evidence:
            if any(h.chunk == c for h in chosen):
                continue
            free = [i for i, h in enumerate(chosen) if h.chunk not in evidence]
            chosen[rng.choice(free)] = Hit(c, 0.0, 0)
    shown = {h.doc_id for h in chosen}
    sources = [d for d in gold_docs if d in shown]
    return chosen, {"answer": target["answer"], "sources": sources, "answerable": True}


def reader_rows(
    kb, task: pd.DataFrame, k: int = 3, distractor_share: float = 0.2, contexts_per_question: int = 1, seed: int = 42,
    question_twice: bool = False,
) -> list[dict]:
    """Training rows {"prompt", "answer", "mode"} for the retrieval-aware reader (see the module docstring).

    Each question gets `contexts_per_question` contexts: the first in retrieval order, the others with sampled
    distractors in shuffled order. A share `distractor_share` of the contexts of answerable questions shows no
    gold document and teaches abstention; unanswerable questions always teach it. For `question_twice` see
    `build_messages`.
    """
    if not 0 <= distractor_share < 1:
        raise SupportError(f"distractor_share must be in [0, 1), got {distractor_share!r}.")
    check_whole_number(k, "k", error=SupportError)
    rng = random.Random(seed)
    rows = []
    for _, q in task.iterrows():
        for n in range(contexts_per_question):
            mode = "distractors" if rng.random() < distractor_share else "gold"
            hits, target = reader_context(kb, q["question"], q["target"], k, mode, rng, q["passages"], shuffle=n > 0)
            messages = build_messages(q["question"], hits, question_twice=question_twice)
            rows.append({"prompt": messages[1]["content"], "answer": target_json(target), "mode": mode,
                         "answerable": target["answerable"]})
    return rows


def closed_book_rows(task: pd.DataFrame) -> list[dict]:
    """Training rows for the fine-tuned system without retrieval: question -> gold answer object."""
    return [{"prompt": build_messages(q)[1]["content"], "answer": target_json(t)} for q, t in zip(task["question"], task["target"])]


def closed_book_facts(train: pd.DataFrame, asked: pd.DataFrame, extra_unanswerable: int = 10,
                      seed: int = 0) -> pd.DataFrame:
    """The training questions of every fact that the questions `asked` ask about (all their training phrasings),
    plus a seeded sample of `extra_unanswerable` other unanswerable training questions, so that a system without
    retrieval can learn those facts by heart (several passes, as in notebook 04) and also learn to abstain."""
    if not is_whole_number(extra_unanswerable, minimum=0):
        raise SupportError(f"extra_unanswerable must be a whole number >= 0, got {extra_unanswerable!r}.")
    chosen = train[train["fact_id"].isin(set(asked["fact_id"]))]
    others = train[(train["stratum"] == "unanswerable") & ~train.index.isin(chosen.index)]
    if extra_unanswerable > len(others):
        raise SupportError(f"Only {len(others)} other unanswerable training questions, asked for {extra_unanswerable}.")
    if chosen.empty:
        raise SupportError("None of the asked questions' facts has a training question: pass the questions to score "
                           "(their seen facts are the ones with training phrasings).")
    return pd.concat([chosen, others.sample(extra_unanswerable, random_state=seed)])


