"""Measure the LoRA training trade-offs behind the course's default settings (notebook 03).

Two parts, each configuration in a fresh Python process so that its peak memory is its own:

    python -P benchmarks/lora_tradeoffs.py            # cost: seconds per step and peak memory, ~3 min
    python -P benchmarks/lora_tradeoffs.py --quality  # also train to the end and score extraction, ~15 min
    python -P benchmarks/lora_tradeoffs.py --only "no checkpointing, bf16"   # one configuration of either part

Cost runs train a few steps on the extraction set at max_length 192 with one knob changed at a time from a
reference row (target layers, rank, batch size, gradient checkpointing, micro-batches, LoRA dropout, bf16 mixed
precision: its rows need a processor with bfloat16 instructions). Quality runs train the extraction adapter to the
end with the same number of examples seen and score 32 test messages like notebook 03 does (JSON parse rate,
schema validity, field accuracy). Figures are printed as a table and written to
benchmarks/lora_tradeoffs.json; notebooks/solutions/03_04_solutions.md discusses them.

Timings depend on the machine and on what else runs on it: compare rows of one run, not runs of two machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path

from course_utils.evaluate.meters import in_fresh_process
from course_utils.files import write_text_atomic

# Its saved figures were generated in fp32: new rows stay comparable with them on any processor (the notebooks
# generate batches in bf16 where the processor has it; see models.generation_precision). Set it to "auto" to
# measure the notebooks' way.
os.environ.setdefault("COURSE_GENERATION_PRECISION", "fp32")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "lora_tradeoffs.json"

# The reference row: every other row changes one knob of it. It keeps LoRA dropout 0.05 (peft's usual value), as
# the rows were measured with it; the course trains without it (the "no LoRA dropout" rows show why).
BASE = {"targets": "attention", "rank": 8, "batch": 2, "checkpointing": True, "micro_batches": 1, "steps": 70, "lr": 3e-3,
        "precision": "fp32", "dropout": 0.05}
COST_RUNS = {  # one knob changed at a time from the reference row
    "reference (attention, r8, batch 2, checkpointing)": {},
    "attention + MLP": {"targets": "attention + MLP"},
    "rank 16": {"rank": 16},
    "batch 4": {"batch": 4},
    "no gradient checkpointing": {"checkpointing": False},
    "no gradient checkpointing, no LoRA dropout": {"checkpointing": False, "dropout": 0.0},  # notebook 03's run
    "batch 4, no gradient checkpointing": {"batch": 4, "checkpointing": False},
    "batch 4 as 2 micro-batches, no checkpointing": {"batch": 4, "checkpointing": False, "micro_batches": 2},
    "no gradient checkpointing, bf16": {"checkpointing": False, "precision": "bf16"},  # needs bf16 instructions
    "batch 4 as 2 micro-batches, no checkpointing, bf16": {"batch": 4, "checkpointing": False, "micro_batches": 2,
                                                           "precision": "bf16"},
}
QUALITY_RUNS = {  # the same 140 examples seen, except the last row
    "reference: batch 2 x 70 steps": {},
    "no LoRA dropout": {"dropout": 0.0},
    "batch 4 x 35 steps": {"batch": 4, "steps": 35},
    "rank 16": {"rank": 16},
    "attention + MLP": {"targets": "attention + MLP"},
    "longer: batch 2 x 210 steps": {"steps": 210},
}
COST_STEPS = 8
N_TEST = 32


def run_one(spec: dict, quality: bool) -> dict:
    """Train one configuration in this process and return its figures."""
    from course_utils import data, finetune, models
    from course_utils.config import fit_threads_to_cpu_budget, get_config
    from course_utils.evaluate import generation as gen

    fit_threads_to_cpu_budget()
    targets = finetune.ATTENTION + (finetune.MLP if spec["targets"] == "attention + MLP" else ())
    steps = spec["steps"] if quality else COST_STEPS
    model, tokenizer = models.load_generator()
    system = "Extract the support record as JSON."  # notebook 03's prompt
    train = data.load_extraction("train")
    rows = [{"prompt": m, "answer": json.dumps(r, separators=(",", ":"))} for m, r in zip(train.message, train.record)]
    settings = finetune.TrainSettings(steps=steps, batch_size=spec["batch"], learning_rate=spec["lr"], max_length=192,
                                      gradient_checkpointing=spec["checkpointing"],
                                      micro_batches=spec["micro_batches"], save_steps=10_000,
                                      precision=spec["precision"])
    with tempfile.TemporaryDirectory() as cache:
        lora = finetune.LoraSettings(rank=spec["rank"], target_modules=targets, dropout=spec["dropout"])
        run = finetune.train_lora(model, tokenizer, rows, "tradeoff", lora=lora, settings=settings, system=system,
                                  drop_too_long=True, config=get_config(cache_dir=cache))
    result = {"seconds_per_step": round(run.seconds_per_step, 2), "peak_rss_mb": round(run.peak_rss_mb),
              "trainable": run.trainable, "steps": run.steps, "examples_seen": run.steps * spec["batch"],
              "training_seconds": round(run.seconds, 1)}
    if quality:
        test = data.load_extraction("test").head(N_TEST)
        conversations = [[{"role": "system", "content": system}, {"role": "user", "content": m}] for m in test.message]
        answers, _ = gen.timed_generation(run.model, tokenizer, conversations, max_new_tokens=64, batch_size=4,
                                          progress=False)
        result.update({"json_parse_rate": round(gen.json_parse_rate(answers), 3),
                       "schema_validity": round(gen.schema_validity(answers, data.load_schema("extraction")), 3),
                       "field_accuracy": round(gen.field_accuracy(answers, list(test.record))["all_fields"], 3),
                       "final_loss": round(sum(loss for _, loss in run.loss_history[-10:]) / 10, 3)})
    return result


def in_subprocess(spec: dict, quality: bool) -> dict:
    return in_fresh_process(__file__, "--one", json.dumps(spec), *(["--quality"] if quality else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quality", action="store_true", help="also train to the end and score extraction")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this configuration (repeatable); the file keeps the other rows' figures")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration, print JSON
    args = parser.parse_args()
    unknown = set(args.only or ()) - set(COST_RUNS) - set(QUALITY_RUNS)
    if unknown:
        parser.error(f"unknown configuration(s) {sorted(unknown)}; choose from {[*COST_RUNS, *QUALITY_RUNS]}")
    if args.one:
        print(json.dumps(run_one(json.loads(args.one), args.quality)))
        return

    import torch

    from course_utils import finetune

    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}",
              "load_average": os.getloadavg()[0], "cost": {}, "quality": {}}
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.only:  # keep the other rows as they were measured
        report.update(cost=dict(old.get("cost", {})), quality=dict(old.get("quality", {})))

    def chosen(runs: dict) -> dict:
        """The configurations to run: those named by --only (all without it), less bf16 ones this CPU cannot run."""
        picked = {n: c for n, c in runs.items() if not args.only or n in args.only}
        for name in [n for n, c in picked.items() if c.get("precision") == "bf16" and not finetune.bf16_supported()]:
            print(f"  {name}: skipped, this processor has no bfloat16 instructions")
            del picked[name]
        return picked

    print(f"{report['machine']} · load average {report['load_average']:.1f}\n")
    print(f"cost ({COST_STEPS} steps each, max_length 192):")
    print(f"  {'configuration':48} {'s/step':>7} {'peak MB':>8} {'trainable':>10}")
    for name, change in chosen(COST_RUNS).items():
        r = report["cost"][name] = in_subprocess({**BASE, **change}, quality=False)
        print(f"  {name:48} {r['seconds_per_step']:7.2f} {r['peak_rss_mb']:8,} {r['trainable']:10,}", flush=True)
    if args.quality or any(n in QUALITY_RUNS for n in args.only or ()):
        print(f"\nquality (extraction, {N_TEST} test messages):")
        print(f"  {'configuration':30} {'train s':>8} {'s/step':>7} {'peak MB':>8} {'parse':>6} {'valid':>6} {'fields':>6}")
        for name, change in chosen(QUALITY_RUNS).items():
            r = report["quality"][name] = in_subprocess({**BASE, **change}, quality=True)
            print(f"  {name:30} {r['training_seconds']:8.0f} {r['seconds_per_step']:7.2f} {r['peak_rss_mb']:8,} "
                  f"{r['json_parse_rate']:6.2f} {r['schema_validity']:6.2f} {r['field_accuracy']:6.2f}", flush=True)
    elif not args.only:  # keep the quality figures of an earlier --quality run
        report["quality"] = old.get("quality", {})
    write_text_atomic(RESULTS, json.dumps(report, indent=1) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
