"""Measure the course's budgets: each notebook's wall time and its kernel's peak memory.

Each notebook runs top to bottom in a fresh kernel (from a temporary copy, so the committed outputs are
left alone). Peak memory is the kernel process's peak resident set size, read inside the kernel after
the last cell. "Tree peak" is the largest sum, sampled twice a second, of the resident memory of the kernel
and every process it starts (notebook 01 runs a second Python process): what a 2 GB container such as
Binder must hold at once. Figures are printed as a table and saved to benchmarks/results.json, with each
notebook's time broken down by section (its "## " headings), so model loading, indexing, training and
generation show up as separate figures, and with each section's peak of that sampled memory (which part of a
notebook sets its peak).

    python benchmarks/run_notebooks.py                    # every notebook
    python benchmarks/run_notebooks.py notebooks/00_start_here.ipynb
    python benchmarks/run_notebooks.py --setup            # also time a fresh install + model conversion
    python benchmarks/run_notebooks.py --save-outputs     # and commit what the measured run printed (for
                                                          # 05 also its scoreboard, as scoreboard_reference.json)
    python benchmarks/run_notebooks.py --cold-cache       # as a learner's first run (empty cache, models prepared)

Timings vary with the machine and with whatever else it is doing; run this on an idle machine.
Budgets (DESIGN.md section 8): 4 min per notebook (6 min for notebook 05), 15 min in all, a 1.7 GB peak (so
that Binder's 2 GB also holds the Jupyter server). A figure over its budget is printed as OVER BUDGET.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from course_utils.config import get_config
from course_utils.files import write_json_atomic, write_text_atomic

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results.json"
SCOREBOARD_NOTEBOOK = "05_rag_plus_finetuning"  # writes <cache>/results/scoreboard.json
UPDATE_NOTEBOOK = "05b_update_latency_and_levers"  # completes it: <cache>/results/scoreboard_update.json
BUDGET_SECONDS = {"05_rag_plus_finetuning": 360}  # every other notebook: DEFAULT_BUDGET_SECONDS
DEFAULT_BUDGET_SECONDS = 240
BUDGET_TOTAL_SECONDS = 900
BUDGET_PEAK_MB = 1741  # 1.7 GiB

PEAK_CELL = """
import json as _json, resource as _resource, sys as _sys
_peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
print("PEAK_RSS_MB=" + _json.dumps(_peak / (1024 * 1024 if _sys.platform == "darwin" else 1024)))
"""


class TreeMemorySampler(threading.Thread):
    """Samples the summed RSS of this process's descendants (the kernel and its children) until stopped."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval, self.peak_mb, self._halt = interval, 0.0, threading.Event()
        self.samples: list[tuple[float, float]] = []  # (epoch seconds, MiB), so each section's peak can be found

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._halt.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:  # a process that ended between listing and reading
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self.samples.append((time.time(), total / 2**20))
            self._halt.wait(self.interval)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak_mb


def section_spans(nb) -> list[tuple[str, float, float]]:
    """(section, start, end) in epoch seconds for every executed code cell; a section is a "## " heading, and cells
    before the first go under "setup". From nbclient's cell timings."""
    spans, current = [], "setup"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = next((line for line in cell.source.splitlines() if line.startswith("## ")), None)
            current = heading[3:].strip() if heading else current
            continue
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.status.busy" in timing and "iopub.status.idle" in timing:
            start, end = (dt.datetime.fromisoformat(timing[k].replace("Z", "+00:00")).timestamp()
                          for k in ("iopub.status.busy", "iopub.status.idle"))
            spans.append((current, start, end))
    return spans


def section_seconds(nb) -> dict:
    """Seconds per section, from nbclient's cell timings."""
    sections = {}
    for name, start, end in section_spans(nb):
        sections[name] = sections.get(name, 0.0) + end - start
    return {name: round(seconds, 1) for name, seconds in sections.items()}


def section_peaks(nb, samples: list[tuple[float, float]]) -> dict:
    """The largest sampled memory (MiB, kernel and its children) while each section's cells ran."""
    peaks = {}
    for name, start, end in section_spans(nb):
        inside = [mb for t, mb in samples if start <= t <= end]
        if inside:
            peaks[name] = round(max(peaks.get(name, 0.0), *inside), 1)
    return peaks


def run_notebook(path: Path, timeout: int, save_outputs: bool = False) -> dict:
    """Execute one notebook in a fresh kernel; return seconds, peak RSS (MiB) of the kernel and of its process tree, and status."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    sampler = TreeMemorySampler()
    sampler.start()
    start = time.perf_counter()
    status = "ok"
    try:
        client.execute()
    except CellExecutionError as err:
        status = "error: " + str(err).strip().splitlines()[-1][:200]
    except Exception as err:  # a timeout or a dead kernel: record it, keep benchmarking the others
        status = f"error: {type(err).__name__}: {err}"[:200]
    seconds = time.perf_counter() - start
    tree_peak = sampler.stop()
    peak = None
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if "PEAK_RSS_MB=" in text:
            peak = float(text.split("PEAK_RSS_MB=")[1].split()[0])
    sections, section_mb = section_seconds(nb), section_peaks(nb, sampler.samples)
    if save_outputs and status == "ok":  # the measured run becomes the committed one (without the peak cell or timings)
        nb.cells.pop()
        for cell in nb.cells:
            cell.get("metadata", {}).pop("execution", None)
        nbformat.write(nb, path)
    return {"seconds": round(seconds, 1), "peak_rss_mb": None if peak is None else round(peak, 1),
            "tree_peak_rss_mb": round(tree_peak, 1), "status": status, "sections": sections,
            "section_peak_mb": section_mb}


def time_setup() -> dict:
    """Time a fresh install (new virtual environment) and the model conversion, in temporary folders."""
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        subprocess.run(["bash", "scripts/install.sh"], cwd=REPO, env={**os.environ, "PYTHON": str(python)}, check=True)
        figures["install_seconds"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        env = {**os.environ, "COURSE_CACHE_DIR": str(Path(tmp) / "cache"), "HF_HUB_OFFLINE": "1"}
        subprocess.run([str(python), "-m", "course_utils.models", "prepare"], cwd=REPO, env=env, check=True)
        figures["prepare_seconds"] = round(time.perf_counter() - start, 1)
    figures["total_seconds"] = round(figures["install_seconds"] + figures["prepare_seconds"], 1)
    figures["note"] = "pip's download cache was warm" if (Path.home() / ".cache" / "pip").exists() else "cold pip cache"
    return figures


def machine() -> dict:
    import psutil
    import torch

    from course_utils.results import machine_info

    kernels = machine_info()  # the kernels and precision the timings depend on (bf16 where the processor has it)
    return {
        "date": dt.date.today().isoformat(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_capability": kernels["cpu_capability"],
        "bf16_supported": kernels["bf16_supported"],
    }


def keep_reference_scoreboard() -> None:
    """With --save-outputs, notebook 05's scoreboard completed by 05b's becomes the reference that notebook 06 shows
    to a learner who has not run them: the committed outputs and the reference figures then come from the same run."""
    from course_utils import results

    config = get_config()  # the cache this run used
    board = results.merge_boards(results.read_scoreboard(results.scoreboard_path(config), "05"),
                                 results.read_scoreboard(results.update_path(config), "05b"))
    write_json_atomic(results.REFERENCE_PATH, results.check_scoreboard(board), indent=1, sort_keys=True)
    print(f"    reference scoreboard: {results.REFERENCE_PATH.relative_to(REPO)} (from this run)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all)")
    parser.add_argument("--setup", action="store_true", help="also time a fresh install and model conversion")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--save-outputs", action="store_true",
                        help="write each executed notebook back in place (when it ran without error)")
    parser.add_argument("--cold-cache", action="store_true",
                        help="run each notebook as on a learner's first run: an empty cache that holds only the "
                             "prepared models (no embedding cache, indexes or training runs from earlier runs)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    paths = [p.resolve() for p in args.notebooks] or sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    results = json.loads(args.output.read_text()) if args.output.exists() else {}
    results.setdefault("notebooks", {})
    results["machine"] = machine()
    if args.setup:
        print("Timing a fresh install and model conversion...", flush=True)
        results["setup"] = time_setup()
        print(json.dumps(results["setup"]), flush=True)

    print(f"{'notebook':<34}{'seconds':>9}{'budget':>8}{'peak MB':>9}{'tree MB':>9}{'budget':>8}  status", flush=True)
    failed = False
    models_dir, own_cache = get_config().models_dir, os.environ.get("COURSE_CACHE_DIR")
    cold_caches = {}  # notebook 05b runs in the cache notebook 05 left, as a learner who runs them in order does
    for path in paths:
        shares = path.stem == UPDATE_NOTEBOOK and SCOREBOARD_NOTEBOOK in cold_caches
        cold = None
        if args.cold_cache:
            cold = cold_caches.pop(SCOREBOARD_NOTEBOOK) if shares else tempfile.TemporaryDirectory(prefix="course-cold-cache-")
            if not shares:  # the kernel inherits this environment
                (Path(cold.name) / "models").symlink_to(models_dir, target_is_directory=True)
            os.environ["COURSE_CACHE_DIR"] = cold.name
        try:
            figures = run_notebook(path, args.timeout, args.save_outputs)
            if args.save_outputs and figures["status"] == "ok" and path.stem == UPDATE_NOTEBOOK:
                keep_reference_scoreboard()
        finally:
            os.environ.pop("COURSE_CACHE_DIR", None)
            if own_cache is not None:
                os.environ["COURSE_CACHE_DIR"] = own_cache
            if cold is not None and path.stem == SCOREBOARD_NOTEBOOK:
                cold_caches[SCOREBOARD_NOTEBOOK] = cold
            elif cold is not None:
                cold.cleanup()
        figures["after"] = "05 (its adapters and scoreboard)" if shares else None
        figures["cache"] = "cold" if args.cold_cache else "warm"
        budget = BUDGET_SECONDS.get(path.stem, DEFAULT_BUDGET_SECONDS)
        figures.update(budget_seconds=budget, budget_peak_mb=BUDGET_PEAK_MB)
        results["notebooks"][path.stem] = figures
        peak_mb = max(figures["peak_rss_mb"] or 0, figures["tree_peak_rss_mb"])
        within = figures["seconds"] <= budget and peak_mb <= BUDGET_PEAK_MB
        failed |= figures["status"] != "ok"
        print(
            f"{path.stem:<34}{figures['seconds']:>9.1f}{budget:>8}{figures['peak_rss_mb'] or float('nan'):>9.0f}"
            f"{figures['tree_peak_rss_mb']:>9.0f}{BUDGET_PEAK_MB:>8}  {figures['status']}{'' if within else '  OVER BUDGET'}",
            flush=True,
        )
        for name, secs in sorted(figures["sections"].items(), key=lambda item: -item[1]):
            peak = figures["section_peak_mb"].get(name)
            print(f"    {secs:>7.1f} s  {'' if peak is None else f'{peak:>6.0f} MB'}  {name[:70]}", flush=True)
    total = sum(f["seconds"] for f in results["notebooks"].values())
    results["total_seconds"] = round(total, 1)
    print(f"{'all notebooks':<34}{total:>9.1f}{BUDGET_TOTAL_SECONDS:>8}{'' if total <= BUDGET_TOTAL_SECONDS else '  OVER BUDGET':>27}")
    write_text_atomic(args.output, json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"saved {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
