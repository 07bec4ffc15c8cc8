"""Notebook 05b's latency: what one user waits for one answer, taken apart (retrieval, schema, prefill, decoding)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..models import timed_chat
from .task import SupportError, build_messages, decoding_schema


@dataclass(frozen=True)
class Latency:
    """One system's latency, taken apart: what one user waits for one answer, queries one at a time (seconds).

    Per query: retrieval (RAG systems), compiling the answer's schema (structured decoding), reading the prompt
    (prefill, which also yields the first token), then `answer_tokens` decoding steps (the rest of the answer and
    its end-of-answer token) at the time per token measured on that query. `answer_tokens` is the system's own mean
    answer length (from its answers on the test questions), so a system that rambles to the token limit pays for
    it, and one that stops early does not."""

    queries: int
    retrieval_s: float      # medians over the queries, as are the rest
    grammar_s: float
    prompt_tokens: float
    prefill_s: float
    seconds_per_token: float
    answer_tokens: float
    totals: tuple[float, ...]   # one per query: the sum of its parts

    @property
    def median_s(self) -> float:
        return float(np.median(self.totals))

    @property
    def p90_s(self) -> float:
        return percentile(self.totals, 90)

    @property
    def decode_s(self) -> float:
        """The median query's decoding: its answer's tokens at the median time per token."""
        return self.answer_tokens * self.seconds_per_token

    def parts(self) -> dict[str, float]:
        """The parts as one table row (medians), in the order they happen."""
        return {"retrieval (s)": self.retrieval_s, "schema compile (s)": self.grammar_s,
                "prompt tokens": self.prompt_tokens, "prefill (s)": self.prefill_s,
                "answer tokens": self.answer_tokens, "ms per token": 1000 * self.seconds_per_token,
                "decoding (s)": self.decode_s, "latency median (s)": self.median_s, "latency p90 (s)": self.p90_s}


def answer_tokens(tokenizer, outputs: Sequence[str]) -> float:
    """Mean length of the answers in tokens: how many decoding steps a system takes per answer."""
    if len(outputs) == 0:
        raise SupportError("No answers to count: generate the system's answers first.")
    return float(np.mean([len(tokenizer(o, add_special_tokens=False)["input_ids"]) for o in outputs]))


def measure_latency(model, tokenizer, questions: Sequence[str], answer_length: float, kb=None, k: int = 3,
                    structured: bool = False, probe_tokens: int = 8) -> Latency:
    """Time one system on `questions`, one at a time: retrieval from `kb` (None: no retrieval), schema compiling
    (`structured`: the support schema, its sources limited to the retrieved ids), prefill, and `probe_tokens`
    decoding steps, whose time per token is then charged for `answer_length` tokens (the system's mean answer,
    `answer_tokens`). Every system gets the same `probe_tokens`, so a verbose system is not timed on more steps."""
    if len(questions) == 0:
        raise SupportError("No questions to time: pass at least one.")
    if isinstance(answer_length, bool) or not isinstance(answer_length, (int, float)) or not answer_length >= 0:
        raise SupportError(f"answer_length is a mean number of tokens (0 or more), got {answer_length!r}; "
                           "use support.answer_tokens(tokenizer, outputs).")
    rows = []
    for q in questions:
        start = time.perf_counter()
        hits = kb.retrieve(q, k) if kb is not None else None
        retrieval = time.perf_counter() - start
        timed = timed_chat(model, tokenizer, build_messages(q, hits), max_new_tokens=probe_tokens,
                           json_schema=decoding_schema(hits) if structured else None)
        rows.append((retrieval, timed.grammar_seconds, timed.prompt_tokens, timed.prefill_seconds,
                     timed.seconds_per_token))
    retrieval, grammar, prompt, prefill, per_token = (np.asarray(column, dtype=float) for column in zip(*rows))
    totals = retrieval + grammar + prefill + answer_length * per_token
    return Latency(len(rows), *(float(np.median(c)) for c in (retrieval, grammar, prompt, prefill, per_token)),
                   float(answer_length), tuple(float(t) for t in totals))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, linear interpolation (numpy's default)."""
    if len(values) == 0:
        raise SupportError("No timings to summarise.")
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 100:
        raise SupportError(f"q must be a percentile from 0 to 100 (e.g. 90 for p90), got {q!r}.")
    return float(np.percentile(np.asarray(values, dtype=float), q))
