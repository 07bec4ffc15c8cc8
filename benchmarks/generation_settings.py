"""Measure the generation settings behind config.GENERATION: batch sizes, prompt order, the shared prefix, the token
budget of a batch, and bf16 against fp32.

    python -P benchmarks/generation_settings.py                  # every row, ~12 min on 2 CPU cores
    python -P benchmarks/generation_settings.py --only "grounded: batch 4, arrival order"   # one row (repeatable)

Each row generates one workload with the course's base model (SmolLM2-135M-Instruct, no adapter) in a fresh Python
process, so that its peak memory is its own, and records the seconds the generation took, the process's peak memory
(model, index and generation) and its resident memory after generating, before and after
`meters.release_free_memory`. The workloads are the course's own prompts:

- "closed book" and "grounded": the first 40 test questions (notebook 02's size), without sources (the closed-book
  prompt) and with the top 3 chunks of 400 characters from knowledge base v1 (notebook 02's index);
- "support, questions alone" and "support, with documents": notebook 05's 60 scored test questions, without
  retrieval and with the top 3 chunks of notebook 05's index (config.READER).

Every row generates in fp32 unless it says bf16, so rows compare on any processor. A row's answers are compared
with those of the course's row of its workload (`same_answers`). Figures are printed and written to
benchmarks/generation_settings.json; the comments of config.GENERATION and the docstrings of models cite its rows.
Timings depend on the machine and on what else runs on it: compare rows of one run, not runs of two machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from course_utils.evaluate.meters import in_fresh_process
from course_utils.files import write_text_atomic

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "generation_settings.json"
COURSE = "the course's"  # the rows that use config.GENERATION's entry unchanged
ARRIVAL = dict(sort_by_length=False, share_prefix=False)
ROWS: dict[str, tuple[str, str, dict]] = {  # name: (workload, use in config.GENERATION, changes to it)
    "closed book: batch 4, arrival order": ("closed book", "closed book", dict(batch_size=4, **ARRIVAL)),
    "closed book: the course's (batch 20, shortest first, shared prefix)": ("closed book", "closed book", {}),
    "grounded: batch 4, arrival order": ("grounded", "grounded", dict(batch_size=4, **ARRIVAL)),
    "grounded: the course's (batch 8, shortest first, shared prefix)": ("grounded", "grounded", {}),
    "grounded: batch 12, shortest first, shared prefix": ("grounded", "grounded", dict(batch_size=12)),
    "support, questions alone: batch 16, no shared prefix": (
        "support, questions alone", "support", dict(batch_size=16, max_batch_tokens=None, share_prefix=False)),
    "support, questions alone: the course's (3072 tokens a batch, shared prefix)": (
        "support, questions alone", "support", {}),
    "support, with documents: batch 16, no shared prefix": (
        "support, with documents", "support", dict(batch_size=16, max_batch_tokens=None, share_prefix=False)),
    "support, with documents: 2048 tokens a batch": ("support, with documents", "support", dict(max_batch_tokens=2048)),
    "support, with documents: the course's (3072 tokens a batch, shared prefix)": (
        "support, with documents", "support", {}),
    "support, with documents: 4096 tokens a batch": ("support, with documents", "support", dict(max_batch_tokens=4096)),
    "support, with documents: the course's, in bf16": ("support, with documents", "support", dict(precision="bf16")),
    "support, with documents: one at a time, first 12, fp32": (
        "support, with documents, first 12", "support", dict(batch_size=1, max_batch_tokens=None, share_prefix=False)),
    "support, with documents: one at a time, first 12, bf16": (
        "support, with documents, first 12", "support",
        dict(batch_size=1, max_batch_tokens=None, share_prefix=False, precision="bf16")),
}


def conversations(workload: str) -> list:
    """The prompts of one workload (see the module docstring)."""
    from course_utils import data, grounding, rag, support, systems
    from course_utils.config import READER
    from course_utils.embeddings import load_cached_embedder

    if workload in ("closed book", "grounded"):
        questions = list(data.load_questions("test").head(40)["question"])
        if workload == "closed book":
            return [[{"role": "system", "content": grounding.CLOSED_BOOK_SYSTEM}, {"role": "user", "content": q}]
                    for q in questions]
        kb = rag.KnowledgeIndex.build(data.load_kb("v1"), load_cached_embedder(), method="chars", size=400,
                                      overlap=50, progress=False)
        return [grounding.build_prompt(q, hits) for q, hits in zip(questions, kb.retrieve_batch(questions, 3))]
    questions = list(systems.scored_questions(support.load_task("test"))["question"])
    if workload == "support, questions alone":
        return [support.build_messages(q) for q in questions]
    if workload.endswith("first 12"):
        questions = questions[:12]
    kb = rag.KnowledgeIndex.build(data.load_kb("v1"), load_cached_embedder(), method=READER["chunk_method"],
                                  size=READER["chunk_size"], overlap=READER["chunk_overlap"], progress=False)
    return [support.build_messages(q, hits) for q, hits in zip(questions, kb.retrieve_batch(questions, READER["k"]))]


def run_one(name: str) -> dict:
    """Generate one row's workload in this process and return its figures and answers."""
    from course_utils import models
    from course_utils.config import fit_threads_to_cpu_budget
    from course_utils.evaluate.meters import Timer, current_rss_mb, peak_rss_mb, release_free_memory

    fit_threads_to_cpu_budget()
    workload, use, changes = ROWS[name]
    model, tokenizer = models.load_generator()
    prompts = conversations(workload)
    settings = models.generation_settings(use, **{"precision": "fp32", **changes})
    with Timer() as timer:
        answers = models.chat_batch(model, tokenizer, prompts, settings, progress=False)
    after = current_rss_mb()
    release_free_memory()
    return {"workload": workload, "prompts": len(prompts), "settings": dict(vars(settings)),
            "seconds": round(timer.seconds, 1), "peak_rss_mb": round(peak_rss_mb()), "rss_after_mb": round(after),
            "rss_after_release_mb": round(current_rss_mb()), "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", metavar="NAME", choices=list(ROWS),
                        help="run only this row (repeatable); the file keeps the other rows' figures")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one row, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return

    import torch

    from course_utils.models import bf16_supported

    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
                         f"bf16 instructions: {'yes' if bf16_supported() else 'no'}",
              "load_average": os.getloadavg()[0], "rows": dict(old.get("rows", {})) if args.only else {}}
    print(f"{report['machine']} · load average {report['load_average']:.1f}\n")
    print(f"  {'row':76} {'prompts':>7} {'s':>6} {'peak MB':>8}")
    answers = {}
    for name in [n for n in ROWS if not args.only or n in args.only]:
        if ROWS[name][2].get("precision") == "bf16" and not bf16_supported():
            print(f"  {name}: skipped, this processor has no bfloat16 instructions")
            continue
        row = report["rows"][name] = in_fresh_process(__file__, "--one", name)
        answers[name] = row.pop("answers")
        print(f"  {name:76} {row['prompts']:7} {row['seconds']:6.1f} {row['peak_rss_mb']:8,}", flush=True)
    for name in answers:  # each row against its workload's course row (or, without one, the workload's first row)
        workload = ROWS[name][0]
        rows = [n for n in ROWS if ROWS[n][0] == workload]
        reference = next((n for n in rows if COURSE in n), rows[0])
        if reference in answers and reference != name:
            report["rows"][name]["same_answers_as"] = reference
            report["rows"][name]["same_answers"] = sum(a == b for a, b in zip(answers[name], answers[reference]))
            print(f"  {name}: {report['rows'][name]['same_answers']} of {len(answers[name])} answers the same as "
                  f"{reference!r}")
    write_text_atomic(RESULTS, json.dumps(report, indent=1) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
