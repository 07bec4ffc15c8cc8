"""Notebook 05's task: answer a customer question with a JSON object (answer, sources, answerable), four ways.

    from course_utils import data, support
    tests = support.load_task("test")                            # support.jsonl joined with questions.jsonl
    messages = support.build_messages(question, hits)            # hits=None: no retrieval
    outputs = support.generate(model, tokenizer, [messages, ...])
    scored = support.score(outputs, tests)                       # one row per question
    support.summarize(scored)                                    # answer / citation accuracy, validity, ...

One job a module, all of them read through this one name:

- `support.task`: the answer schema, the prompts and gold targets, and generating the answers;
- `support.scoring`: one row per answer, the scoreboard's quality columns, each system's accuracy taken apart;
- `support.reader_data`: the training rows of the two fine-tuned systems (the reader, RAFT-style; the closed book);
- `support.latency`: what one user waits for one answer, taken apart (notebook 05b).

The reader's settings and its training run are in `config.READER`; how each answer is generated, in
`config.GENERATION["support"]`.

Left out: multi-turn conversations, answers longer than one short phrase, and re-ranking.
"""

from .latency import Latency, answer_tokens, measure_latency, percentile
from .reader_data import closed_book_facts, closed_book_rows, reader_context, reader_rows
from .scoring import GAINS, by_stratum, gains, gold_shown, score, summarize
from .task import (STRATA, SUPPORT_SYSTEM, TARGET_KEYS, SupportError, build_messages, check_target, decoding_schema,
                   format_documents, generate, load_task, stratum, target_json)

__all__ = [
    "GAINS", "STRATA", "SUPPORT_SYSTEM", "TARGET_KEYS", "Latency", "SupportError", "answer_tokens", "build_messages",
    "by_stratum", "check_target", "closed_book_facts", "closed_book_rows", "decoding_schema", "format_documents",
    "gains", "generate", "gold_shown", "load_task", "measure_latency", "percentile", "reader_context", "reader_rows",
    "score", "stratum", "summarize", "target_json",
]
