"""The variation rehearsal: run the notebooks whose lessons rest on a model under numerics variants that stand in for
other processors, and record how far every lesson figure moves.

A learner's laptop computes the same matrix products with other kernels (AVX2 instead of AVX-512, no bfloat16), other
thread counts (another order of summation) and perhaps another precision. Greedy decoding picks the top token, so where
two tokens are nearly tied, the last bits of a logit decide, and an answer can take another word. Each variant below
changes the numerics the way another machine would; each runs notebooks 01-05b from a fresh kernel and an empty cache
(only the converted models shared), as a learner's first run; 05b runs in the cache 05 left (its adapters), as a
learner who runs them in order.

    python -P benchmarks/variation.py                       # every variant, notebooks 01-05 (about an hour)
    python -P benchmarks/variation.py --variants "AVX2 kernels" --notebooks 05_rag_plus_finetuning 05b_update_latency_and_levers
    python -P benchmarks/variation.py --resume              # keep the runs already in variation.json
    python -P benchmarks/variation.py --resume --untag      # then untag the cells that did not hold everywhere

It writes benchmarks/variation.json:
- "figures": every lesson figure (the notebooks' lesson files, notebook 05's scoreboard) under every variant, with
  its min and max: tests/test_lessons.py sets its margins from these;
- "tagged_cells": for each cell tagged nbval-check-output, whether its text output was the same under every variant
  and in the committed notebook (only such cells keep the tag);
- "variants": the environment, machine, precision shown on the progress bars, and seconds per notebook.
Executed copies of the notebooks go to benchmarks/variation_runs/ (not committed), to read what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "benchmarks" / "variation.json"
RUNS = REPO / "benchmarks" / "variation_runs"
NOTEBOOKS = ("01_rag_from_scratch", "02_rag_in_practice", "03_finetuning_with_lora", "04_can_finetuning_teach_facts",
             "05_rag_plus_finetuning", "05b_update_latency_and_levers")
SHARES_CACHE_OF = {"05b_update_latency_and_levers": "05_rag_plus_finetuning"}  # reloads the adapters 05 trained
AVX2 = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
VARIANTS: dict[str, dict] = {
    "default": {"env": {}, "about": "as the course runs by default: bf16 batches where the processor has it, all cores"},
    "fp32 generation": {"env": {"COURSE_GENERATION_PRECISION": "fp32"},
                        "about": "every answer generated in fp32 (training as by default)"},
    "one thread": {"env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
                   "about": "one compute thread: matrix products summed in another order"},
    "AVX2 kernels": {"env": AVX2, "about": "PyTorch and oneDNN held to AVX2, as on a laptop without AVX-512: no bf16 "
                                           "instructions, so everything runs in fp32"},
}


def lesson_figures(notebook: str, cache: Path) -> dict:
    """The figures one notebook saved in `cache` (results.lesson_figures), or {} when it saved none."""
    from course_utils import results
    from course_utils.config import get_config

    try:
        return results.lesson_figures(notebook, get_config(cache_dir=cache))
    except results.ResultsError:
        return {}


def cell_text(cell) -> str:
    """A cell's output as nbval compares it here: printed text and plain-text results (progress bars on stderr and
    pictures left out)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(parts)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def tagged_outputs(nb) -> dict[str, str]:
    return {cell.get("id", str(i)): cell_text(cell) for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and "nbval-check-output" in cell.get("metadata", {}).get("tags", [])}


def precisions_shown(nb) -> list[str]:
    """The precisions the progress bars said they ran in ("Generating (bf16)", "Training (fp32)")."""
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")  # text bars, and widget bars' text form
                   for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return sorted(set(re.findall(r"(Generating|Training) \((bf16|fp32)\)", text)))


def run_variant_notebook(variant: str, notebook: str, timeout: int, caches: dict | None = None) -> dict:
    """Run one notebook under one variant in a fresh cache, or in the one `caches` keeps for the notebook it follows
    (SHARES_CACHE_OF); `caches` then keeps this notebook's cache for the next."""
    caches = {} if caches is None else caches
    shared = caches.pop(SHARES_CACHE_OF.get(notebook), None)
    cache_dir = shared or tempfile.TemporaryDirectory(prefix="course-variation-")
    try:
        return _run_in(variant, notebook, timeout, cache_dir.name, fresh=shared is None)
    finally:
        if notebook in SHARES_CACHE_OF.values():
            caches[notebook] = cache_dir  # cleaned up by the notebook that follows it (or at exit)
        else:
            cache_dir.cleanup()


def _run_in(variant: str, notebook: str, timeout: int, cache: str, fresh: bool) -> dict:
    import nbformat
    from nbclient import NotebookClient

    from course_utils.config import get_config

    env_before = dict(os.environ)
    models_dir = get_config().models_dir
    if fresh:
        (Path(cache) / "models").symlink_to(models_dir, target_is_directory=True)
    os.environ.update({**VARIANTS[variant]["env"], "COURSE_CACHE_DIR": cache, "HF_HUB_OFFLINE": "1"})
    path = REPO / "notebooks" / f"{notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start, status = time.perf_counter(), "ok"
    try:
        client.execute()
    except Exception as err:  # a failing cell or a dead kernel: record it and go on with the others
        status = f"error: {type(err).__name__}: {str(err).strip().splitlines()[-1][:200] if str(err).strip() else ''}"
    seconds = time.perf_counter() - start
    figures = lesson_figures(notebook, Path(cache))
    machine = {}
    lesson = Path(cache) / "results" / f"lesson_{notebook}.json"
    board = Path(cache) / "results" / "scoreboard.json"
    update = Path(cache) / "results" / "scoreboard_update.json"
    for source in ((update,) if notebook in SHARES_CACHE_OF else (lesson, board)):
        if source.exists():
            machine = json.loads(source.read_text()).get("machine", {})
            break
    os.environ.clear()
    os.environ.update(env_before)
    (RUNS / variant).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, RUNS / variant / f"{notebook}.ipynb")
    return {"status": status, "seconds": round(seconds, 1), "figures": figures, "machine": machine,
            "precisions_shown": [f"{what} ({p})" for what, p in precisions_shown(nb)],
            "tagged": {cid: digest(text) for cid, text in tagged_outputs(nb).items()}}


def summarise(runs: dict) -> dict:
    """Figures with min and max over the variants, and which tagged cells held under all of them."""
    import nbformat

    figures, tagged = {}, {}
    for notebook in NOTEBOOKS:
        done = {v: r[notebook] for v, r in runs.items() if notebook in r and r[notebook]["status"] == "ok"}
        if not done:
            continue
        names = sorted({name for r in done.values() for name in r["figures"]})
        figures[notebook] = {}
        for name in names:
            values = {v: r["figures"][name] for v, r in done.items() if name in r["figures"]}
            figures[notebook][name] = {**values, "min": min(values.values()), "max": max(values.values())}
        committed = nbformat.read(REPO / "notebooks" / f"{notebook}.ipynb", as_version=4)
        committed_hash = {cid: digest(text) for cid, text in tagged_outputs(committed).items()}
        index = {cell.get("id"): i for i, cell in enumerate(committed.cells)}
        tagged[notebook] = {}
        for cid in sorted(committed_hash, key=lambda c: index.get(c, 0)):
            differs = [v for v, r in done.items() if r["tagged"].get(cid) != committed_hash[cid]]
            tagged[notebook][cid] = {"cell": index.get(cid), "same_everywhere": not differs, "differs_in": differs}
    return {"figures": figures, "tagged_cells": tagged}


def check_precision_claims(runs: dict) -> list[str]:
    """The kit must not claim bf16 where the processor (or a variant) has none: compare the bars with the machine."""
    problems = []
    for variant, by_notebook in runs.items():
        for notebook, run in by_notebook.items():
            supported = run["machine"].get("bf16_supported")
            if supported is False and any("bf16" in p for p in run["precisions_shown"]):
                problems.append(f"{variant} / {notebook}: bf16 on a progress bar, but bf16_supported() is False")
    return problems


def untag(record: dict) -> list[str]:
    """Take nbval-check-output off every tagged cell whose output differed under some variant (or from the
    committed notebook); the lesson checks carry what those cells showed. Returns what it untagged."""
    import nbformat

    done = []
    for notebook, cells in record["tagged_cells"].items():
        path = REPO / "notebooks" / f"{notebook}.ipynb"
        nb = nbformat.read(path, as_version=4)
        changed = False
        for cell in nb.cells:
            info = cells.get(cell.get("id"))
            if info and not info["same_everywhere"]:
                cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "nbval-check-output"]
                if not cell.metadata["tags"]:
                    del cell.metadata["tags"]
                done.append(f"{notebook} cell {info['cell']} (differs in {', '.join(info['differs_in'])})")
                changed = True
        if changed:
            nbformat.write(nb, path)
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS), choices=list(NOTEBOOKS))
    parser.add_argument("--resume", action="store_true", help="keep runs already in variation.json; run the rest")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--untag", action="store_true",
                        help="take nbval-check-output off the cells whose output did not hold under every variant")
    args = parser.parse_args()
    from course_utils.files import write_text_atomic

    saved = json.loads(args.output.read_text()) if args.output.exists() else {}
    runs = saved.get("runs", {}) if args.resume else {}
    for variant in args.variants:
        caches: dict = {}
        for notebook in args.notebooks:
            if args.resume and runs.get(variant, {}).get(notebook, {}).get("status") == "ok":
                continue
            print(f"{variant:<18} {notebook:<32}", end=" ", flush=True)
            run = run_variant_notebook(variant, notebook, args.timeout, caches)
            runs.setdefault(variant, {})[notebook] = run
            print(f"{run['seconds']:>7.1f} s  {run['status']}  {', '.join(run['precisions_shown'])}", flush=True)
            record = {"variants": {v: {**VARIANTS[v], "seconds": {n: r["seconds"] for n, r in runs[v].items()}}
                                   for v in runs}, **summarise(runs),
                      "precision_claims": check_precision_claims(runs), "runs": runs}
            write_text_atomic(args.output, json.dumps(record, indent=1, sort_keys=True) + "\n")
    record = json.loads(args.output.read_text())
    print("\nfigure".ljust(64) + "".join(f"{v[:14]:>15}" for v in runs) + "      min      max")
    for notebook, figures in record["figures"].items():
        print(f"-- {notebook}")
        for name, values in figures.items():
            print(f"   {name[:60]:<60}" + "".join(f"{values.get(v, float('nan')):>15.3f}" for v in runs)
                  + f"{values['min']:>9.3f}{values['max']:>9.3f}")
    unstable = [f"{nb} cell {c['cell']}: differs in {', '.join(c['differs_in'])}"
                for nb, cells in record["tagged_cells"].items() for c in cells.values() if not c["same_everywhere"]]
    print("\ntagged cells that did not hold everywhere:" + ("".join(f"\n   {u}" for u in unstable) or " none"))
    print("precision claims:", record["precision_claims"] or "consistent")
    if args.untag:
        print("untagged:" + ("".join(f"\n   {u}" for u in untag(record)) or " nothing"))
    failed = [f"{v}/{n}" for v, r in runs.items() for n, x in r.items() if x["status"] != "ok"]
    if failed:
        print("FAILED runs:", ", ".join(failed))
    return 1 if failed or record["precision_claims"] else 0


if __name__ == "__main__":
    sys.exit(main())
