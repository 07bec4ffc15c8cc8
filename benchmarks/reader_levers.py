"""The levers behind notebook 05's retrieval-aware reader (the "RAG + fine-tuned" system), measured.

Each configuration trains the reader adapter in a fresh Python process (so its peak memory is its own) and is
scored on the *validation* split of the support task (35 questions, never used for training, not the test split
the notebook reports). One knob changes at a time from the settings before it. The last rows (`closed_book`)
train notebook 05's fine-tuned system without retrieval instead, starting from its settings:

    python -P benchmarks/reader_levers.py                  # every configuration, ~100 min on 2 cores
    python -P benchmarks/reader_levers.py --only "prompted RAG, no training"    # one configuration (a name from LEVERS)

Figures are printed and written to benchmarks/reader_levers.json, which notebook 05 shows as precomputed.
Timings depend on the machine and on what else runs on it: compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from course_utils.files import write_text_atomic

# Its saved figures were generated in fp32: new rows stay comparable with them on any processor (the notebooks
# generate batches in bf16 where the processor has it; see models.generation_precision). Set it to "auto" to
# measure the notebooks' way.
os.environ.setdefault("COURSE_GENERATION_PRECISION", "fp32")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "reader_levers.json"

# The notebook's reader settings (course_utils.config.READER); each lever changes one of them.
# Every lever before "sections as chunks" used fixed windows of 200 characters, cut at a space.
WINDOWS = {"chunk_method": "chars", "chunk_size": 200, "chunk_overlap": 30}
FIRST_TRY = {**WINDOWS, "distractor_share": 0.2, "mlp": False, "steps": 40, "batch_size": 4, "lora_dropout": 0.05}
LEVERS: dict[str, dict] = {  # overrides of config.READER, in the order they were tried
    "first try: 20 % distractor-only contexts": FIRST_TRY,
    "prompted RAG, no training": {**WINDOWS, "prompted": True},
    "first try, k=2 chunks": {**FIRST_TRY, "k": 2},
    "no distractor-only contexts": {**FIRST_TRY, "distractor_share": 0.0},
    "no distractor-only contexts, lr 5e-3": {**FIRST_TRY, "distractor_share": 0.0, "learning_rate": 5e-3},
    "no distractor-only contexts, attention + MLP": {**FIRST_TRY, "distractor_share": 0.0, "mlp": True},
    "batch 2 x 80 steps, LoRA dropout 0.05": {**WINDOWS, "steps": 80, "lora_dropout": 0.05},
    "prompted RAG, answer started as JSON (prefill)": {**WINDOWS, "prompted": True, "prefill": '{"answer": "'},
    "batch 4 x 40 steps, gradient checkpointing": {**WINDOWS, "steps": 40, "batch_size": 4,
                                                   "gradient_checkpointing": True, "lora_dropout": 0.05},
    "batch 2 x 80 steps, top 6 layers": {**WINDOWS, "steps": 80, "top_layers": 6, "lora_dropout": 0.05},
    "batch 2 x 80 steps, no LoRA dropout": {**WINDOWS, "steps": 80},
    "64 steps, no LoRA dropout": WINDOWS,
    "no LoRA dropout, 48 steps": {**WINDOWS, "steps": 48},
    "top 15 layers": {**WINDOWS, "top_layers": 15},
    "rank 16": {**WINDOWS, "rank": 16},
    "question before and after the documents": {**WINDOWS, "question_twice": True},
    "sections as chunks, fp32": {},
    "sections as chunks, 300 characters": {"chunk_size": 300, "chunk_overlap": 40},
    "sections, k=2 chunks": {"k": 2},
    "sections, two contexts per question": {"contexts_per_question": 2},
    "sections, mixed precision where the CPU has bf16 (notebook settings)": {"precision": "auto"},
    "prompted RAG, two solved examples (few-shot)": {"prompted": True, "shots": 2},
    # the fine-tuned system without retrieval: can more training make it learn the facts (and go stale)?
    "without retrieval: first settings, 20 steps of 4": {"closed_book": True},
    "without retrieval: 72 steps of 4 (every training question once), no dropout":
        {"closed_book": True, "steps": 72, "lora_dropout": 0.0},
    "without retrieval: 72 steps of 4, lr 5e-3, attention + MLP, no dropout":
        {"closed_book": True, "steps": 72, "lora_dropout": 0.0, "learning_rate": 5e-3, "mlp": True},
    # notebook 04's recipe (several passes over each fact and its phrasings) within the budget: train only on the
    # facts the scored questions ask about, as notebook 04 does, plus every unanswerable training question
    "without retrieval: asked facts only, 4 passes of 8, lr 5e-3, attention + MLP, all layers":
        {"closed_book": True, "asked_facts_only": True, "steps": 32, "batch_size": 8, "micro_batches": 2,
         "lora_dropout": 0.0, "learning_rate": 5e-3, "mlp": True, "top_layers": 30},
    "without retrieval: asked facts only, 4 passes of 8, lr 5e-3, attention + MLP, top 10 layers":
        {"closed_book": True, "asked_facts_only": True, "steps": 32, "batch_size": 8, "micro_batches": 2,
         "lora_dropout": 0.0, "learning_rate": 5e-3, "mlp": True},
    "without retrieval: asked facts + 10 other unanswerable, 32 steps of 8, lr 5e-3, attention + MLP (notebook settings)":
        {"closed_book": True, "asked_facts_only": True, "extra_unanswerable": 10, "steps": 32, "batch_size": 8,
         "micro_batches": 2, "lora_dropout": 0.0, "learning_rate": 5e-3, "mlp": True},
}


def closed_book_settings() -> dict:
    """The first settings of notebook 05's fine-tuned system without retrieval (20 steps of 4 over every training
    question, attention only), in the same keys as config.READER: every closed-book row starts from them. The
    notebook now trains the last row's settings (config.TRAINING_RUNS["support-closed-book"])."""
    from course_utils import config, finetune

    return {"closed_book": True, "steps": 20, "batch_size": 4, "learning_rate": 3e-3, "max_length": 160,
            "gradient_checkpointing": False, "micro_batches": 1,
            "rank": finetune.LoraSettings().rank, "lora_dropout": finetune.LoraSettings().dropout, "mlp": False,
            "top_layers": config.READER["top_layers"]}


def run_one(overrides: dict) -> dict:
    """Train the reader (or, with `closed_book`, the system without retrieval) with `overrides` applied to the
    notebook's settings; score it on validation."""
    import time

    from course_utils import config, data, finetune, models, rag, support
    from course_utils.config import fit_threads_to_cpu_budget, get_config
    from course_utils.embeddings import load_cached_embedder
    from course_utils.evaluate.meters import peak_rss_mb

    fit_threads_to_cpu_budget()
    closed_book = bool(overrides.get("closed_book"))
    # every row trains in fp32 unless it says otherwise: the sweep ran before mixed precision was tried
    spec = {**config.READER, "precision": "fp32", **(closed_book_settings() if closed_book else {}), **overrides}
    model, tokenizer = models.load_generator()
    kb = rag.KnowledgeIndex.build(data.load_kb("v1"), load_cached_embedder(), method=spec["chunk_method"],
                                  size=spec["chunk_size"], overlap=spec["chunk_overlap"])
    train, valid = support.load_task("train"), support.load_task("validation")
    start = time.perf_counter()
    if spec.get("prompted"):
        reader, run = model, None
    else:
        if spec.get("asked_facts_only"):  # the facts the scored questions ask about (notebook 05 section 4)
            if "extra_unanswerable" in spec:
                train = support.closed_book_facts(train, valid, spec["extra_unanswerable"], seed=get_config().seed)
            else:  # and every unanswerable training question
                train = train[train["fact_id"].isin(set(valid["fact_id"])) | (train["stratum"] == "unanswerable")]
        rows = support.closed_book_rows(train) if closed_book else support.reader_rows(
            kb, train, k=spec.get("train_k", spec["k"]), distractor_share=spec["distractor_share"],
            contexts_per_question=spec["contexts_per_question"], seed=get_config().seed,
            question_twice=spec["question_twice"])
        settings = finetune.settings_from(spec, save_steps=10_000)
        targets = finetune.ATTENTION + (finetune.MLP if spec["mlp"] else ())
        lora = finetune.LoraSettings(rank=spec["rank"], alpha=2.0 * spec["rank"], dropout=spec["lora_dropout"],
                                     target_modules=targets,
                                     layers=finetune.top_layers(model, spec["top_layers"]))
        with tempfile.TemporaryDirectory() as cache:
            run = finetune.train_lora(model, tokenizer, rows, "reader-lever", lora=lora, settings=settings,
                                      system=support.SUPPORT_SYSTEM, drop_too_long=True, config=get_config(cache_dir=cache))
        reader = run.model
        spec["precision"] = run.precision  # what it trained in on this machine ("auto" resolved)
    hits = kb.retrieve_batch(list(valid["question"]), spec["k"])
    start = time.perf_counter()
    conversations = [support.build_messages(q, None if closed_book else h, question_twice=spec["question_twice"])
                     for q, h in zip(valid["question"], hits)]
    if spec.get("shots"):  # solved examples before the question: the training split's first answerable questions
        solved = support.reader_rows(kb, train[train["stratum"] != "unanswerable"].head(spec["shots"]), k=spec["k"],
                                     distractor_share=0.0, seed=get_config().seed)
        turns = [m for row in solved for m in ({"role": "user", "content": row["prompt"]},
                                               {"role": "assistant", "content": row["answer"]})]
        conversations = [[c[0], *turns, c[1]] for c in conversations]
    outputs = support.generate(reader, tokenizer, conversations, progress=False, prefill=spec.get("prefill", ""))
    scored = support.score(outputs, valid)
    summary = support.summarize(scored)
    return {
        "settings": {k: v for k, v in spec.items()  # a closed-book row keeps only the settings it uses
                     if not closed_book or k in closed_book_settings() or k in overrides},
        "examples": run.examples if run else 0, "steps": run.steps if run else 0,
        "training_seconds": round(run.seconds, 1) if run else 0.0,
        "seconds_per_step": round(run.seconds_per_step, 2) if run else 0.0,
        "peak_rss_mb": round(peak_rss_mb()), "generation_seconds": round(time.perf_counter() - start, 1),
        **{k: round(v, 3) for k, v in summary.items()},
        "by_stratum": {k: round(v, 3) for k, v in support.by_stratum(scored).items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="run only this configuration (repeatable)")
    parser.add_argument("--custom", nargs=2, action="append", metavar=("NAME", "JSON"),
                        help='also run a configuration of your own, e.g. --custom "rank 16" \'{"rank": 16}\'')
    parser.add_argument("--child", help=argparse.SUPPRESS)  # JSON overrides: run one configuration here
    args = parser.parse_args(argv)
    if args.child is not None:
        print("RESULT=" + json.dumps(run_one(json.loads(args.child))))
        return 0
    custom = {name: json.loads(spec) for name, spec in args.custom or []}
    LEVERS.update(custom)
    names = (args.only or []) + list(custom) if (args.only or custom) else list(LEVERS)
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; choose from {list(LEVERS)}")
    old = json.loads(RESULTS.read_text())["runs"] if RESULTS.exists() else {}
    runs = dict(old)
    for name in names:
        print(f"--- {name}", flush=True)
        proc = subprocess.run([sys.executable, "-P", __file__, "--child", json.dumps(LEVERS[name])],
                              capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT=")]
        if proc.returncode or not line:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        runs[name] = json.loads(line[0][len("RESULT="):])
        r = runs[name]
        print(f"answer {r['answer_accuracy']:.2f} (answerable {r['answerable_accuracy']:.2f}) · citation "
              f"{r['citation_accuracy']:.2f} · valid {r['schema_validity']:.2f} · abstention {r['abstention']:.2f} · "
              f"{r['training_seconds']:.0f} s training ({r['seconds_per_step']:.2f} s/step) · {r['peak_rss_mb']} MB", flush=True)
        write_text_atomic(RESULTS, json.dumps({
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "scored_on": "validation split of datasets/support.jsonl",
            "runs": {n: runs[n] for n in [*LEVERS, *runs] if n in runs},
        }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
