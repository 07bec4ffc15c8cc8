"""Notebook 05's task: answer a customer question with a JSON object (answer, sources, answerable), four ways.

    from course_utils import data, support
    tests = support.load_task("test")                            # support.jsonl joined with questions.jsonl
    messages = support.build_messages(question, hits)            # hits=None: no retrieval
    outputs = support.generate(model, tokenizer, [messages, ...])
    scored = support.score(outputs, tests)                       # one row per question
    support.summarize(scored)                                    # answer / citation accuracy, validity, ...

Every system gets the same system prompt, which states the answer schema
(`datasets/schemas/support_answer.schema.json`). Retrieved chunks are given as documents labelled with their
document id (``[prod-k3] Brumaline K3: ...``), so a model can copy the id into ``sources``.

`reader_rows` builds the training set of the retrieval-aware reader in the spirit of RAFT (Zhang et al., 2024):
each training question comes with chunks from the course's own retriever; most contexts hold the gold document
among distractors (target: the gold answer, citing it), some hold distractors only (target: "not in the knowledge
base"), so the model learns to answer from what it is shown, to cite it, and to abstain when it is not there.

Left out: multi-turn conversations, answers longer than one short phrase, and re-ranking.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .config import CourseError, check_whole_number, is_whole_number
from .data import UNANSWERABLE, DatasetError, load_questions, load_support
from .evaluate.answers import answer_correct, normalize_answer
from .evaluate.generation import parse_json

SUPPORT_SYSTEM = (  # short on purpose: every prompt, and every training example, pays for its tokens
    'Answer as JSON: {"answer": short answer, "sources": [document ids], "answerable": true}. '
    f'If the documents lack the answer: {{"answer": "{UNANSWERABLE}", "sources": [], "answerable": false}}.'
)
# The retrieval-aware reader of notebook 05; benchmarks/reader_levers.py measures each knob.
READER = dict(
    chunk_method="markdown",  # one chunk per section of a document, so a chunk holds whole lines ("- Price: 149 EUR")
    chunk_size=250,  # characters at most: a longer section is cut again; short chunks keep every prompt small
    chunk_overlap=30,  # only where a section is cut again
    k=3,  # chunks shown per question
    question_twice=False,  # the question before the documents too: better answers, worse citations and abstention
    distractor_share=0.0,  # contexts of answerable questions that show no gold document (target: abstain); at this
    # budget any share made the reader refuse answerable questions (benchmarks/reader_levers.json)
    contexts_per_question=1,
    steps=64,  # 80 steps were no better on validation (benchmarks/reader_levers.json)
    batch_size=2,  # batch 4 peaks above 2 GB with these prompts
    micro_batches=2,  # each batch of 2 as two passes of 1 (gradient accumulation): the same update, a lower peak
    learning_rate=3e-3,
    max_length=384,  # tokens per example; longer ones are dropped
    rank=8,
    top_layers=10,  # LoRA only in the 10 decoder layers nearest the output: backward stops there
    mlp=True,  # LoRA on the feed-forward block too, not only attention
    gradient_checkpointing=False,  # not needed: the 20 frozen layers below keep no activations for backward
    lora_dropout=0.0,  # no dropout on the adapters' input: as good on validation, and 16 % less time per step
    precision="auto",  # bf16 mixed precision where the CPU has bf16 instructions: ~25 % less time per step on these
    # long prompts, about as good on validation (benchmarks/reader_levers.json); fp32 elsewhere
)
STRATA = ("seen fact", "unseen fact", "unanswerable")
TARGET_KEYS = ("answer", "sources", "answerable")


class SupportError(CourseError, ValueError):
    """A support question, target or request is malformed; the message says what to fix."""


def check_target(target, where: str = "target") -> dict:
    """Raise SupportError unless `target` is a well-formed answer object; returns it."""
    if not isinstance(target, dict) or set(target) != set(TARGET_KEYS):
        found = sorted(target) if isinstance(target, dict) else type(target).__name__
        raise SupportError(f"{where} must be a dict with exactly the keys {list(TARGET_KEYS)}, got {found}.")
    if not isinstance(target["answer"], str) or not target["answer"].strip():
        raise SupportError(f"{where}['answer'] must be a non-empty string, got {target['answer']!r}.")
    if not isinstance(target["sources"], list) or not all(isinstance(s, str) for s in target["sources"]):
        raise SupportError(f"{where}['sources'] must be a list of document ids, got {target['sources']!r}.")
    if not isinstance(target["answerable"], bool):
        raise SupportError(f"{where}['answerable'] must be true or false, got {target['answerable']!r}.")
    return target


def load_task(split: str | None = None, config=None) -> pd.DataFrame:
    """Support questions with their gold targets, answer variants, type and stratum, one row per question."""
    support = load_support(split, config)
    if support.empty:
        raise DatasetError(f"No support questions in split {split!r}. Use 'train', 'validation' or 'test'.")
    questions = load_questions(config=config).set_index("id")
    missing = sorted(set(support["question_id"]) - set(questions.index))
    if missing:
        raise DatasetError(f"support.jsonl refers to unknown question ids {missing[:5]}. Rebuild: python datasets/build.py")
    extra = questions.loc[support["question_id"], ["fact_id", "fact_in_train", "variants", "variants_v2", "passages"]]
    task = pd.concat([support.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    for i, row in task.iterrows():
        check_target(row["target"], f"row {row['id']} target")
        check_target(row["target_v2"], f"row {row['id']} target_v2")
    task["stratum"] = [stratum(t, seen) for t, seen in zip(task["target"], task["fact_in_train"])]
    return task


def stratum(target: dict, fact_in_train: bool) -> str:
    """'unanswerable' when the KB lacks the answer, else 'seen fact' (a training question asks it) or 'unseen fact'."""
    if not target["answerable"]:
        return "unanswerable"
    return "seen fact" if fact_in_train else "unseen fact"


def target_json(target: dict) -> str:
    """The answer object as the model should write it: one line, keys in schema order."""
    check_target(target)
    return json.dumps({k: target[k] for k in TARGET_KEYS}, ensure_ascii=False)


def format_documents(hits: Sequence) -> str:
    """Retrieved chunks as labelled documents, one per line: ``[doc-id] Title: text``."""
    from .grounding import check_hits

    lines = []
    for h in check_hits(hits, SupportError):
        text = " ".join(h.text.replace("#", " ").split())
        lines.append(f"[{h.doc_id}] {h.chunk.title}: {text}" if h.chunk.title else f"[{h.doc_id}] {text}")
    return "\n".join(lines)


def build_messages(question: str, hits: Sequence | None = None, system: str = SUPPORT_SYSTEM,
                   question_twice: bool = False) -> list[dict]:
    """Chat messages for one question: the schema in the system prompt, then the documents (if any) and the question.

    `question_twice` also puts the question before the documents, so the model reads them knowing what it looks for
    (a lever measured in `benchmarks/reader_levers.py`; the notebooks keep it off)."""
    if not isinstance(question, str) or not question.strip():
        raise SupportError(f"Empty question {question!r}: there is nothing to answer.")
    if hits is None:
        user = f"Question: {question.strip()}"
    elif len(hits) == 0:
        raise SupportError("Retrieval returned no documents for this question. Check the index (len(kb) > 0) and k > 0.")
    else:
        user = f"Documents:\n{format_documents(hits)}\n\nQuestion: {question.strip()}"
        if question_twice:
            user = f"Question: {question.strip()}\n\n{user}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def decoding_schema(hits: Sequence | None = None, answer_chars: int = 40) -> dict:
    """The answer schema in the form a constrained decoder can enforce (`models.chat_batch(json_schema=...)`).

    The same rules as `datasets/schemas/support_answer.schema.json`, with its `if`/`then`/`else` written as the
    `anyOf` of its two branches (an answer citing one to four documents, or the abstention object), and the keys in
    the schema's order. With retrieved `hits`, `sources` may only name their documents: a constrained model cannot
    invent an id. Without (no retrieval), any id the schema's pattern allows. The answer may hold `answer_chars`
    characters, fewer than the schema's 80 (the longest gold answer has 25): an untrained model fills whatever room
    it is given, and an object cut off by the token budget is invalid."""
    from .data import load_schema

    full = load_schema("support_answer")
    item = dict(full["properties"]["sources"]["items"])
    if hits is not None:
        ids = list(dict.fromkeys(h.doc_id for h in hits))
        if not ids:
            raise SupportError("decoding_schema() needs the retrieved documents (at least one) or hits=None.")
        item = {"type": "string", "enum": ids}
    if not is_whole_number(answer_chars, minimum=25) or answer_chars > full["properties"]["answer"]["maxLength"]:
        raise SupportError(f"answer_chars must be a whole number from 25 (the longest gold answer) to "
                           f"{full['properties']['answer']['maxLength']} (the schema's limit), got {answer_chars!r}.")
    answer = {"type": "string", "minLength": 1, "maxLength": answer_chars}
    answered = {"type": "object", "additionalProperties": False, "required": list(TARGET_KEYS), "properties": {
        "answer": answer, "sources": {"type": "array", "items": item, "minItems": 1, "maxItems": min(4, len(ids)) if hits is not None else 4},
        "answerable": {"type": "boolean", "const": True}}}
    abstained = {"type": "object", "additionalProperties": False, "required": list(TARGET_KEYS), "properties": {
        "answer": {"type": "string", "const": UNANSWERABLE}, "sources": {"type": "array", "items": item, "maxItems": 0},
        "answerable": {"type": "boolean", "const": False}}}
    return {"anyOf": [answered, abstained]}


def generate(model, tokenizer, conversations, max_new_tokens: int = 40, batch_size: int = 64, progress: bool = True,
             prefill: str = "", max_batch_tokens: int = 3072, json_schema=None) -> list[str]:
    """Greedy answers in left-padded batches of similar length. 40 new tokens hold any gold answer object (the
    longest is 38); the fine-tuned models stop earlier, at their end-of-turn token. `prefill` starts every answer
    with that text (see `models.chat_batch`). The system prompt every conversation starts with is read once
    (`share_prefix`): the same answers, in about 30 % less time without documents and 13 % less with them (all 103
    test questions, 2 CPU cores, fp32). A batch holds at most `max_batch_tokens` prompt tokens: prompts with retrieved
    documents (~250 tokens) go 12 at a time, questions alone (~80 tokens) about 38 at a time. Measured in fp32 on the 103
    test questions against batches of 16: questions alone 29.8 -> 23.6 s, with documents 65.8 -> 60.3 s, the same
    answers. The budget is memory as much as time: a batch's key/value cache and first pass grow with its tokens.
    Notebook 05 generates the reader's 60 answers with documents straight after training, where its memory peaks:
    4096 tokens a batch peaked at 1,855 MB there, 3072 at 1,711 MB, with the same answers in the same time (60
    answers: 37.3 and 38.1 s, means of six runs); 2048 peaked lower still but took 15 % longer."""
    from .models import chat_batch

    outputs = chat_batch(model, tokenizer, list(conversations), max_new_tokens, batch_size, progress,
                         sort_by_length=True, prefill=prefill, share_prefix=True, max_batch_tokens=max_batch_tokens,
                         json_schema=json_schema)
    if json_schema is None:
        return outputs
    from .structured import dedupe_json_list

    return [dedupe_json_list(out, "sources") for out in outputs]   # the one rule the decoder leaves to us


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
    from .models import timed_chat

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


def _is_abstention(record: dict) -> bool:
    return record.get("answerable") is False or normalize_answer(str(record.get("answer", ""))) == normalize_answer(UNANSWERABLE)


def score(outputs: Sequence[str], task: pd.DataFrame, version: str = "v1", schema: dict | None = None) -> pd.DataFrame:
    """One row per question: parsed, schema-valid, answer correct, citation correct, abstained.

    `version` "v1" scores against `target`, "v2" against `target_v2` (after the knowledge update); for v2 a
    column `states_old` tells whether the answer is still the v1 one. Outputs that are not JSON count as wrong
    (parsed False), never as an error; `answer_in_text` tells whether the gold answer appears anywhere in the
    raw output, to separate "did not know" from "could not format".
    """
    from jsonschema import Draft202012Validator

    from .data import load_schema

    if version not in ("v1", "v2"):
        raise SupportError(f"version must be 'v1' or 'v2', got {version!r}.")
    if len(outputs) != len(task):
        raise SupportError(f"Got {len(outputs)} outputs for {len(task)} questions; pass one output per question.")
    validator = Draft202012Validator(schema or load_schema("support_answer"))
    gold_col, var_col = ("target", "variants") if version == "v1" else ("target_v2", "variants_v2")
    rows = []
    for out, (_, q) in zip(outputs, task.iterrows()):
        gold = q[gold_col]
        record = parse_json(out, lenient=True)
        strict = parse_json(out)  # the schema is checked on the output as a program would read it: no chatty text
        parsed = record is not None
        record = record or {}
        sources = record.get("sources") if isinstance(record.get("sources"), list) else []
        abstained = parsed and _is_abstention(record)
        if gold["answerable"]:
            correct = parsed and not abstained and answer_correct(str(record.get("answer", "")), gold["answer"], q[var_col])
            cited = bool(set(map(str, sources)) & set(gold["sources"]))
        else:
            correct, cited = abstained, None
        row = dict(
            id=q["id"], stratum=q["stratum"] if version == "v1" else stratum(gold, q["fact_in_train"]),
            parsed=parsed, valid=strict is not None and validator.is_valid(strict),
            correct=bool(correct), cited=cited, abstained=bool(abstained), answerable=gold["answerable"],
            answer=str(record.get("answer", ""))[:80] if parsed else out[:80],
            answer_in_text=gold["answerable"] and answer_correct(out, gold["answer"], q[var_col]),
        )
        if version == "v2":
            old = q["target"]
            row["states_old"] = bool(abstained if not old["answerable"] else
                                     parsed and not abstained and answer_correct(str(record.get("answer", "")), old["answer"], q["variants"]))
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(scored: pd.DataFrame) -> dict[str, float]:
    """The scoreboard's quality columns from `score`'s rows (shares between 0 and 1)."""
    if scored.empty:
        raise SupportError("Nothing to summarise: score at least one output.")
    answerable = scored[scored["answerable"]]
    unanswerable = scored[~scored["answerable"]]
    summary = {
        "answer_accuracy": float(scored["correct"].mean()),
        "answerable_accuracy": float(answerable["correct"].mean()) if len(answerable) else float("nan"),
        "citation_accuracy": float(answerable["cited"].astype(bool).mean()) if len(answerable) else float("nan"),
        "schema_validity": float(scored["valid"].mean()),
        "json_parse_rate": float(scored["parsed"].mean()),
        "abstention": float(unanswerable["abstained"].mean()) if len(unanswerable) else float("nan"),
        "false_abstention": float(answerable["abstained"].mean()) if len(answerable) else float("nan"),
        "answer_in_text": float(answerable["answer_in_text"].mean()) if len(answerable) else float("nan"),
    }
    return summary


def by_stratum(scored: pd.DataFrame) -> dict[str, float]:
    """Answer accuracy per stratum (seen fact / unseen fact / unanswerable)."""
    groups = scored.groupby("stratum")["correct"].mean()
    return {s: float(groups[s]) for s in STRATA if s in groups}


GAINS = ("format", "knowledge", "reading", "citation", "abstention", "after update: new", "after update: old")


def gold_shown(hits_per_question: Sequence[Sequence], task: pd.DataFrame) -> list[bool]:
    """For each question, whether a gold document is among its retrieved chunks (False for unanswerable ones)."""
    if len(hits_per_question) != len(task):
        raise SupportError(f"Got retrieved chunks for {len(hits_per_question)} questions and {len(task)} questions; "
                           "retrieve once per question (kb.retrieve_batch) in the task's order.")
    return [bool(t["answerable"]) and bool({h.doc_id for h in hs} & set(t["sources"]))
            for hs, t in zip(hits_per_question, task["target"])]


def gains(scored: pd.DataFrame, after: pd.DataFrame | None = None, shown: Sequence[bool] | None = None) -> dict:
    """One system's answer accuracy taken apart (the keys of GAINS), each a share between 0 and 1 or NaN:

    - format: schema-valid outputs; knowledge: answerable questions whose gold answer is anywhere in the output, JSON
      or not; reading: answerable questions answered right when a gold document was in the prompt (`shown`, from
      gold_shown; NaN for a system without retrieval); citation: answerable questions citing a gold document;
      abstention: unanswerable questions refused;
    - after update: new / old: the changed questions (`after`, scored with version="v2") stating the v2 / v1 value.
    """
    summary = summarize(scored)
    reading = float("nan")
    if shown is not None:
        shown = np.asarray(shown, dtype=bool)
        if len(shown) != len(scored):
            raise SupportError(f"`shown` has {len(shown)} entries for {len(scored)} scored questions; "
                               "pass gold_shown(hits, task) for the same questions.")
        reading = float(scored.loc[shown, "correct"].mean()) if shown.any() else float("nan")
    new_old = (float(after["correct"].mean()), float(after["states_old"].mean())) if after is not None else (float("nan"),) * 2
    values = (summary["schema_validity"], summary["answer_in_text"], reading, summary["citation_accuracy"],
              summary["abstention"], *new_old)
    return dict(zip(GAINS, values))


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
    from .rag import Hit

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


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, linear interpolation (numpy's default)."""
    if len(values) == 0:
        raise SupportError("No timings to summarise.")
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 100:
        raise SupportError(f"q must be a percentile from 0 to 100 (e.g. 90 for p90), got {q!r}.")
    return float(np.percentile(np.asarray(values, dtype=float), q))
