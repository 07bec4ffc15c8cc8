"""The measured results one notebook hands to another: notebook 05's scoreboard, read by notebook 06.

    from course_utils import results
    results.save_scoreboard(board)                 # notebook 05, at its end
    board, source, note = results.load_scoreboard()   # notebook 06: (dict, "measured" | "reference", a note)

Notebook 05 writes ``<cache>/results/scoreboard.json`` (your own run). Where that file is missing, damaged or
from an older format, `load_scoreboard` falls back to ``benchmarks/scoreboard_reference.json``: the figures
of the run committed with the course, on a 2-core CPU, which every reader must label as reference figures.

The file's shape (version 1), every number a float or int:

    {"format": 1, "created": "...", "machine": {...}, "settings": {...},
     "systems": {"base" | "rag" | "fine_tuned" | "rag_fine_tuned": {
         "label": "RAG + fine-tuned",
         "answer_accuracy", "citation_accuracy", "schema_validity", "abstention",
         "latency_median_s", "latency_p90_s", "prompt_tokens", "training_seconds", "adapter_mb",
         "by_stratum": {"seen fact": ..., "unseen fact": ..., "unanswerable": ...},
         "after_update": {"states_new": ..., "states_old": ...}}},
     "update": {"reindex_seconds": ..., "retrain_seconds": ..., "chunks_embedded": ...},
     "peak_memory_mb": ...}

Left out: history of earlier runs (each run overwrites the file) and results of other notebooks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

from .config import REPO_ROOT, CourseConfig, get_config
from .files import write_json_atomic

FORMAT = 1
SYSTEMS = ("base", "rag", "fine_tuned", "rag_fine_tuned")
METRICS = (
    "answer_accuracy", "citation_accuracy", "schema_validity", "abstention",
    "latency_median_s", "latency_p90_s", "prompt_tokens", "training_seconds", "adapter_mb",
)
REFERENCE_PATH = REPO_ROOT / "benchmarks" / "scoreboard_reference.json"


class ResultsError(ValueError):
    """A results file is missing, damaged or of another format; the message says what to do."""


def scoreboard_path(config: CourseConfig | None = None) -> Path:
    """Where notebook 05 saves its scoreboard: ``<cache>/results/scoreboard.json``."""
    return (config or get_config()).cache_dir / "results" / "scoreboard.json"


def machine_info() -> dict:
    """What the numbers were measured on (timings mean little without it)."""
    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def check_scoreboard(board: dict) -> dict:
    """Raise ResultsError unless `board` has the version-1 shape above; returns it unchanged."""
    if not isinstance(board, dict) or board.get("format") != FORMAT:
        found = board.get("format") if isinstance(board, dict) else type(board).__name__
        raise ResultsError(f"Scoreboard format {found!r} is not {FORMAT}. Run notebook 05 again to write a current one.")
    systems = board.get("systems")
    if not isinstance(systems, dict) or set(SYSTEMS) - set(systems):
        raise ResultsError(f"The scoreboard must hold the systems {SYSTEMS}. Run notebook 05 again.")
    for name in SYSTEMS:
        if not isinstance(systems[name], dict):
            raise ResultsError(f"System {name!r} is {type(systems[name]).__name__}, not a table of numbers. Run notebook 05 again.")
        missing = [m for m in METRICS if not isinstance(systems[name].get(m), (int, float))]
        if missing:
            raise ResultsError(f"System {name!r} lacks the number(s) {missing}. Run notebook 05 again.")
    return board


def save_scoreboard(board: dict, path: str | Path | None = None) -> Path:
    """Check and write `board` (adding format, date and machine) atomically; returns the path."""
    board = {"format": FORMAT, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "machine": machine_info(), **board}
    check_scoreboard(board)
    return write_json_atomic(Path(path) if path else scoreboard_path(), board, indent=1, sort_keys=True)


def read_scoreboard(path: str | Path) -> dict:
    """Read and check one scoreboard file; ResultsError when it is missing, truncated or of another format."""
    path = Path(path)
    try:
        board = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"No scoreboard at {path}. Run notebook 05 to measure one.") from None
    except (OSError, ValueError) as err:
        raise ResultsError(f"Cannot read {path} ({err.__class__.__name__}): the file is damaged. Run notebook 05 again.") from None
    return check_scoreboard(board)


def load_scoreboard(config: CourseConfig | None = None) -> tuple[dict, str, str]:
    """Your own scoreboard if notebook 05 wrote a usable one, else the reference figures.

    Returns ``(board, source, note)``: source is "measured" or "reference"; note says why, in one sentence.
    """
    path = scoreboard_path(config)
    try:
        return read_scoreboard(path), "measured", f"Your own figures from notebook 05 ({path.name}, {path.stat().st_size} bytes)."
    except ResultsError as err:
        why = str(err).replace(str(path), "<cache>/results/scoreboard.json")  # no machine paths in notebook outputs
    return read_scoreboard(REFERENCE_PATH), "reference", f"Reference figures from the course's committed run. {why}"
