"""The measured results one notebook hands to another: notebook 05's scoreboard, completed by 05b, read by 06.

    from course_utils import results
    results.save_scoreboard(record)                # notebook 05: the six systems' quality and training costs
    results.save_update(record)                    # notebook 05b: latency and the knowledge update, per system
    board, source, note = results.load_scoreboard()   # notebook 06: (dict, "measured" | "mixed" | "reference", a note)

Notebook 05 writes ``<cache>/results/scoreboard.json`` (assembled from its tables by `scoreboard_record`) and
notebook 05b ``<cache>/results/scoreboard_update.json`` (by `update_record`). `load_scoreboard` merges the two
into one board. Where a part is missing, damaged or from an older format, it takes that part from
``benchmarks/scoreboard_reference.json``: the merged board of the run committed with the course, on a 2-core CPU,
which every reader must label as reference figures ("mixed" when one part is your own and the other is not).

The merged board's shape (version 1), every number a float or int:

    {"format": 1, "created": "...", "machine": {...}, "settings": {...},
     "systems": {"base" | "rag" | "fine_tuned" | "rag_fine_tuned" (required),
                 "base_structured" | "rag_structured" (structured decoding; read where present): {
         "label": "RAG + fine-tuned", "n_questions": 60, "answer_accuracy_k": 26,
         "answer_accuracy_interval": [low, high] (95 %, Wilson),
         "answer_accuracy", "citation_accuracy", "schema_validity", "abstention",
         "prompt_tokens", "training_seconds", "adapter_mb",
         "by_stratum": {"seen fact": ..., "unseen fact": ..., "unanswerable": ...},
         "gains": {"format": ..., "knowledge": ..., "reading": ... | null, ...} (support.gains; null where a
                   part does not apply, such as reading for a system without retrieval),
         -- from notebook 05b:
         "latency_median_s", "latency_p90_s",
         "latency_parts": {"retrieval (s)", "schema compile (s)", "prefill (s)", "ms per token", ...}
                          (support.Latency.parts; read where present),
         "after_update": {"states_new": ..., "states_old": ..., "n_changed": ...}}},
     "update": {"reindex_seconds": ..., "retrain_seconds": ..., "chunks_embedded": ...},
     "peak_memory_mb": ..., "update_peak_memory_mb": ...}

Notebooks 01-04 also save the figures their argument rests on, with `save_lesson`, to
``<cache>/results/lesson_<notebook>.json``; the lesson checks (tests/test_lessons.py) and the variation rehearsal
(benchmarks/variation.py) read them, and notebook 05's and 05b's own files:

    results.save_lesson("02_rag_in_practice", {"recall@5": 0.935, "rag_correct": fraction(11, 32)})

A figure is a number, a bool, or a share with its counts (`fraction(k, n)` -> {"k": 11, "n": 32, "share": 0.344}).

Left out: history of earlier runs (each run overwrites the file).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

from .config import REPO_ROOT, CourseConfig, CourseError, get_config
from .evaluate.uncertainty import Share
from .files import write_json_atomic
from .finetune import train_settings
from .models import bf16_supported

FORMAT = 1
SYSTEMS = ("base", "rag", "fine_tuned", "rag_fine_tuned")
BOARD_METRICS = ("answer_accuracy", "citation_accuracy", "schema_validity", "abstention", "prompt_tokens",
                 "training_seconds", "adapter_mb")   # notebook 05's part
UPDATE_METRICS = ("latency_median_s", "latency_p90_s")  # notebook 05b's part (with "after_update")
METRICS = BOARD_METRICS + UPDATE_METRICS
REFERENCE_PATH = REPO_ROOT / "benchmarks" / "scoreboard_reference.json"


class ResultsError(CourseError, ValueError):
    """A results file is missing, damaged or of another format; the message says what to do."""


def scoreboard_path(config: CourseConfig | None = None) -> Path:
    """Where notebook 05 saves its scoreboard: ``<cache>/results/scoreboard.json``."""
    return (config or get_config()).cache_dir / "results" / "scoreboard.json"


def update_path(config: CourseConfig | None = None) -> Path:
    """Where notebook 05b saves its part of the scoreboard: ``<cache>/results/scoreboard_update.json``."""
    return (config or get_config()).cache_dir / "results" / "scoreboard_update.json"


def machine_info() -> dict:
    """What the numbers were measured on (timings mean little without it; greedy answers depend on the numerics)."""
    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # the kernels PyTorch runs: AVX2, AVX512, ...
        "bf16_supported": bf16_supported(),
        "generation_precision": get_config().generation_precision,  # as asked; "auto" means bf16 where supported
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def fraction(k: int, n: int) -> dict:
    """A share with its counts, as lesson files store it: fraction(11, 32) -> {"k": 11, "n": 32, "share": 0.34375}."""
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ResultsError(f"A share needs 0 <= k <= n and n > 0, got k={k}, n={n}.")
    return {"k": k, "n": n, "share": k / n}


def check_notebook(notebook: str) -> str:
    """Return `notebook` if it names one of the course's notebooks ("02_rag_in_practice"), else raise ResultsError."""
    known = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
    if notebook not in known:
        raise ResultsError(f"Unknown notebook {notebook!r}: the course's notebooks are {known}.")
    return notebook


def lesson_path(notebook: str, config: CourseConfig | None = None) -> Path:
    """Where a notebook saves its lesson figures: ``<cache>/results/lesson_<notebook>.json``."""
    return (config or get_config()).cache_dir / "results" / f"lesson_{notebook}.json"


def _lesson_value(name: str, value):
    if isinstance(value, dict) and set(value) == {"k", "n", "share"}:
        return fraction(value["k"], value["n"])
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):  # NumPy scalars too
        return float(value) if not isinstance(value, int) else value
    raise ResultsError(f"Lesson figure {name!r} is {type(value).__name__}; use a number, a bool or fraction(k, n).")


def save_lesson(notebook: str, figures: dict, config: CourseConfig | None = None) -> Path:
    """Write the figures `notebook`'s argument rests on, with the machine and precision they came from."""
    if not figures:
        raise ResultsError("save_lesson needs at least one figure.")
    record = {"format": FORMAT, "notebook": notebook,
              "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
              "figures": {name: _lesson_value(name, value) for name, value in figures.items()}}
    return write_json_atomic(lesson_path(notebook, config), record, indent=1, sort_keys=True)


def load_lesson(notebook: str, config: CourseConfig | None = None) -> dict:
    """The lesson record `notebook` saved last; ResultsError when there is none or it is damaged."""
    path = lesson_path(notebook, config)
    record = _read_json(path, f"No lesson figures at {path}. Run notebook {notebook} first.", notebook)
    if record.get("format") != FORMAT or not isinstance(record.get("figures"), dict):
        raise ResultsError(f"{path} is of another format. Run notebook {notebook} again.")
    return record


def check_scoreboard(board: dict, part: str = "merged") -> dict:
    """Raise ResultsError unless `board` has the version-1 shape above; returns it unchanged. `part` is "merged"
    (the board notebook 06 reads), "05" (notebook 05's file) or "05b" (notebook 05b's file)."""
    metrics = {"merged": METRICS, "05": BOARD_METRICS, "05b": UPDATE_METRICS}[part]
    notebook = "05b" if part == "05b" else "05"
    if not isinstance(board, dict) or board.get("format") != FORMAT:
        found = board.get("format") if isinstance(board, dict) else type(board).__name__
        raise ResultsError(f"Scoreboard format {found!r} is not {FORMAT}. Run notebook {notebook} again to write a "
                           f"current one.")
    systems = board.get("systems")
    if not isinstance(systems, dict) or set(SYSTEMS) - set(systems):
        raise ResultsError(f"The scoreboard must hold the systems {SYSTEMS}. Run notebook {notebook} again.")
    for name in SYSTEMS:
        if not isinstance(systems[name], dict):
            raise ResultsError(f"System {name!r} is {type(systems[name]).__name__}, not a table of numbers. "
                               f"Run notebook {notebook} again.")
        missing = [m for m in metrics if not isinstance(systems[name].get(m), (int, float))]
        if missing:
            raise ResultsError(f"System {name!r} lacks the number(s) {missing}. Run notebook {notebook} again.")
    return board


def _numbers(row) -> dict:
    """A table row (a pandas Series or a dict) as plain floats, None where a value is missing (NaN)."""
    return {str(k): None if v is None or v != v else float(v) for k, v in row.items()}


def scoreboard_record(labels: dict, board, *, correct: dict, strata, gains, settings: dict,
                      peak_memory_mb: float) -> dict:
    """Notebook 05's tables as the file `save_scoreboard` writes (its part of the shape above).

    `labels` maps each system's name to its label; `board`, `strata` and `gains` are the notebook's tables, one row
    per label (`board` holds support.summarize's columns and the cost columns); `correct` holds each system's
    per-question correct flags (for n/N and the interval).
    """
    if set(labels) - set(correct):
        raise ResultsError(f"scoreboard_record: no correct flags for {sorted(set(labels) - set(correct))}; score "
                           f"every system of `labels` first.")
    systems = {}
    for name, label in labels.items():
        row, share = board.loc[label], Share.of(correct[name])
        systems[name] = {
            "label": label,
            **{k: float(row[k]) for k in (*SCOREBOARD_FIGURES, "answerable_accuracy", "false_abstention",
                                          "json_parse_rate")},
            "n_questions": share.n, "answer_accuracy_k": share.k, "answer_accuracy_interval": list(share.interval),
            "prompt_tokens": float(row["prompt tokens"]), "training_seconds": float(row["training (s)"]),
            "adapter_mb": float(row["adapter (MB)"]),
            "by_stratum": _numbers(strata.loc[label]),
            "gains": _numbers(gains.loc[label]),
        }
    return {"systems": systems, "settings": dict(settings), "peak_memory_mb": float(peak_memory_mb)}


def update_record(labels: dict, *, update, n_changed: int, latency: dict, update_costs: dict, settings: dict,
                  peak_memory_mb: float) -> dict:
    """Notebook 05b's tables as the file `save_update` writes: per system its latency (a support.Latency) and the
    update's row of `update` (one row per label: "states the NEW value", "states the OLD value"), over
    `n_changed` questions; `update_costs` the seconds of re-indexing and retraining."""
    if set(labels) - set(latency):
        raise ResultsError(f"update_record: no latency for {sorted(set(labels) - set(latency))}; time every system "
                           f"of `labels` first.")
    systems = {name: {
        "label": label,
        "latency_median_s": latency[name].median_s, "latency_p90_s": latency[name].p90_s,
        "latency_parts": {k: float(v) for k, v in latency[name].parts().items()},
        "after_update": {"states_new": float(update.loc[label, "states the NEW value"]),
                         "states_old": float(update.loc[label, "states the OLD value"]), "n_changed": int(n_changed)},
    } for name, label in labels.items()}
    return {"systems": systems, "update": dict(update_costs), "settings": dict(settings),
            "peak_memory_mb": float(peak_memory_mb)}


def _stamped(record: dict) -> dict:
    return {"format": FORMAT, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine_info(), **record}


def save_scoreboard(board: dict, path: str | Path | None = None) -> Path:
    """Check and write notebook 05's `board` (adding format, date and machine) atomically; returns the path."""
    board = check_scoreboard(_stamped(board), "05")
    return write_json_atomic(Path(path) if path else scoreboard_path(), board, indent=1, sort_keys=True)


def save_update(record: dict, path: str | Path | None = None) -> Path:
    """Check and write notebook 05b's `record` (adding format, date and machine) atomically; returns the path."""
    record = check_scoreboard(_stamped(record), "05b")
    return write_json_atomic(Path(path) if path else update_path(), record, indent=1, sort_keys=True)


def merge_boards(board: dict, update: dict) -> dict:
    """Notebook 05's board completed by notebook 05b's part: the shape notebook 06 reads. Each system gains the
    latency and the update; its "gains" the columns "after update: new" and "after update: old"."""
    merged = {**board, "systems": {}, "update": dict(update.get("update", {})),
              "settings": {**board.get("settings", {}), "update": update.get("settings", {})},
              "update_peak_memory_mb": update.get("peak_memory_mb"), "update_machine": update.get("machine")}
    for name, row in board["systems"].items():
        extra = {k: v for k, v in update["systems"].get(name, {}).items() if k != "label"}
        after = extra.get("after_update", {})
        gains = {**row.get("gains", {})}
        if after:
            gains.update({"after update: new": after.get("states_new"), "after update: old": after.get("states_old")})
        merged["systems"][name] = {**row, **extra, "gains": gains}
    return merged


def _read_json(path: Path, missing: str, notebook: str):
    """The JSON in `path`; ResultsError with `missing` when there is no file, or a "damaged" message."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(missing) from None
    except (OSError, ValueError) as err:
        raise ResultsError(f"Cannot read {path} ({err.__class__.__name__}): the file is damaged. "
                           f"Run notebook {notebook} again.") from None


def read_scoreboard(path: str | Path, part: str = "merged") -> dict:
    """Read and check one scoreboard file (`part` as in `check_scoreboard`); ResultsError when it is missing,
    truncated or of another format."""
    path, notebook = Path(path), "05b" if part == "05b" else "05"
    return check_scoreboard(_read_json(path, f"No scoreboard at {path}. Run notebook {notebook} to measure one.",
                                       notebook), part)


def scoreboard_part(config: CourseConfig | None = None) -> tuple[dict, str]:
    """Notebook 05's own scoreboard where it saved a usable one, else the reference run's; and a sentence saying
    which (notebook 05b reads the decomposition from it)."""
    path = scoreboard_path(config)
    try:
        return read_scoreboard(path, "05"), "columns format to abstention: your own run of notebook 05"
    except ResultsError as err:
        why = str(err).replace(str(path), f"<cache>/results/{path.name}")
        return read_scoreboard(REFERENCE_PATH), f"columns format to abstention: the course's reference run ({why})"


def load_scoreboard(config: CourseConfig | None = None) -> tuple[dict, str, str]:
    """The scoreboard notebook 06 reads: notebook 05's part and notebook 05b's, each your own where that notebook
    wrote a usable one, else the reference run's.

    Returns ``(board, source, note)``: source is "measured" (both parts yours), "mixed" (one of them) or
    "reference"; note says which and why, in one or two sentences.
    """
    parts, notes, whys = [], [], []
    for notebook, path, part in (("05", scoreboard_path(config), "05"), ("05b", update_path(config), "05b")):
        try:
            parts.append((read_scoreboard(path, part), True))
            notes.append(f"notebook {notebook}'s from your own run ({path.name}, {path.stat().st_size} bytes)")
        except ResultsError as err:
            whys.append(str(err).replace(str(path), f"<cache>/results/{path.name}"))  # no machine paths in outputs
            parts.append((None, False))
            notes.append(f"notebook {notebook}'s from the course's committed run ({whys[-1]})")
    (own_board, board_is_own), (own_update, update_is_own) = parts
    if board_is_own and not update_is_own:  # a board with both parts in one file (written before 05b existed)
        try:
            return check_scoreboard(own_board), "measured", f"Your own figures: {notes[0]}."
        except ResultsError:
            pass
    reference = read_scoreboard(REFERENCE_PATH)  # only now: a learner with both parts needs no reference file
    if not board_is_own and not update_is_own:
        return reference, "reference", f"Reference figures from the course's committed run. {whys[0]}"
    board = own_board if board_is_own else {k: v for k, v in reference.items() if k != "update"}
    update = own_update if update_is_own else {
        "systems": {n: {k: row[k] for k in (*UPDATE_METRICS, "latency_parts", "after_update") if k in row}
                    for n, row in reference["systems"].items()},
        "update": reference.get("update", {}), "settings": reference.get("settings", {}).get("update", {}),
        "peak_memory_mb": reference.get("update_peak_memory_mb"), "machine": reference.get("update_machine")}
    merged = check_scoreboard(merge_boards(board, update))
    if board_is_own and update_is_own:
        return merged, "measured", f"Your own figures: {notes[0]}, {notes[1]}."
    return merged, "mixed", f"Figures of two runs: {notes[0]}; {notes[1]}."


def lesson_table(figures: dict):
    """The figures of `save_lesson` as a DataFrame a notebook shows: one row each, "k / n" beside a share."""
    import pandas as pd

    rows = {}
    for name, value in figures.items():
        value = _lesson_value(name, value)
        if isinstance(value, dict):
            rows[name] = {"value": round(value["share"], 3), "k / n": f"{value['k']} / {value['n']}"}
        else:
            rows[name] = {"value": value if isinstance(value, bool) else round(value, 4), "k / n": ""}
    return pd.DataFrame(rows).T


SCOREBOARD_FIGURES = ("answer_accuracy", "citation_accuracy", "schema_validity", "abstention", "answer_in_text")


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict) and set(value) == {"k", "n", "share"}:
        out[prefix] = value["share"]
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix} / {key}" if prefix else key, item, out)
    elif isinstance(value, (bool, int, float)):
        out[prefix] = float(value)


SCOREBOARD_NOTEBOOK = "05_rag_plus_finetuning"  # saves its scoreboard, not a lesson file
UPDATE_NOTEBOOK = "05b_update_latency_and_levers"  # saves its part of the scoreboard


def _figures_path(notebook: str, config: CourseConfig | None = None) -> Path:
    """The file `lesson_figures` reads for `notebook`: its lesson file, or for notebooks 05 and 05b their parts of
    the scoreboard."""
    if notebook == SCOREBOARD_NOTEBOOK:
        return scoreboard_path(config)
    return update_path(config) if notebook == UPDATE_NOTEBOOK else lesson_path(notebook, config)


def board_figures(board: dict, costs_too: bool = False) -> dict[str, float]:
    """A scoreboard's figures as {name: number}: "rag_fine_tuned / answer_accuracy", "rag / after update / states_new".
    With `costs_too`, also what depends on the machine: latency, prompt tokens, training seconds, the update's
    seconds ("update / reindex_seconds") and the examples one training run saw ("settings / reader examples seen")."""
    figures: dict[str, float] = {}
    keys = SCOREBOARD_FIGURES + (METRICS if costs_too else ())
    for system, row in board["systems"].items():
        for key in dict.fromkeys(keys):
            if isinstance(row.get(key), (int, float)):
                figures[f"{system} / {key}"] = float(row[key])
        _flatten(f"{system} / by stratum", row.get("by_stratum", {}), figures)
        _flatten(f"{system} / after update", row.get("after_update", {}), figures)
        _flatten(f"{system} / gains", row.get("gains", {}), figures)
    if costs_too:
        _flatten("update", board.get("update", {}), figures)
        settings = board.get("settings", {})
        for system, run in _TRAINING_RUN_OF.items():
            seen = examples_seen(settings, system)
            if seen is not None:
                figures[f"settings / {run.replace('_', '-')} examples seen"] = seen
    return figures


_TRAINING_RUN_OF = {"fine_tuned": "closed_book", "rag_fine_tuned": "reader"}  # system -> its run in the board's settings


def examples_seen(settings: dict, system: str) -> float | None:
    """Training examples the run behind scoreboard system `system` went through (steps x batch size), from the
    board's "settings"; None where the settings do not say."""
    run = settings.get(_TRAINING_RUN_OF.get(system, system))
    if not isinstance(run, dict):
        return None
    if isinstance(run.get("train_examples_seen"), (int, float)):
        return float(run["train_examples_seen"])
    steps, batch = run.get("steps"), run.get("batch_size")
    if isinstance(steps, (int, float)) and isinstance(batch, (int, float)) and not isinstance(steps, bool):
        return float(steps * batch)
    return None


def lesson_figures(notebook: str, config: CourseConfig | None = None) -> dict[str, float]:
    """One notebook's lesson figures as {name: number} (a share as its value, a bool as 0 or 1): its lesson file,
    for notebook 05 its part of the scoreboard ("rag_fine_tuned / answer_accuracy", "rag / gains / reading"),
    and for notebook 05b its part ("rag / after update / states_new"). ResultsError when the notebook has saved
    nothing yet."""
    if notebook == SCOREBOARD_NOTEBOOK:
        return board_figures(read_scoreboard(scoreboard_path(config), "05"))
    if notebook == UPDATE_NOTEBOOK:
        return board_figures(read_scoreboard(update_path(config), "05b"))
    figures: dict[str, float] = {}
    _flatten("", load_lesson(notebook, config)["figures"], figures)
    return figures


_VARIATION_PATH = REPO_ROOT / "benchmarks" / "variation.json"


def reference_figures(notebook: str) -> dict[str, float]:
    """The lesson figures of the course's committed run of `notebook` (benchmarks/variation.json, default variant);
    {} where there are none."""
    check_notebook(notebook)
    try:
        table = json.loads(_VARIATION_PATH.read_text(encoding="utf-8"))["figures"][notebook]
        return {name: float(row["default"]) for name, row in table.items() if isinstance(row.get("default"), (int, float))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def course_figures(notebook: str, config: CourseConfig | None = None) -> tuple[dict[str, float], str]:
    """The figures one notebook measured, and whose: (figures, "measured") from your own run where it saved them,
    else (figures, "reference") from the course's committed run, else ({}, "none"). Notebook 05's include its costs
    (see `board_figures`); notebook 03's the examples its extraction run trains on ("examples seen, extraction")."""
    check_notebook(notebook)
    if notebook in (SCOREBOARD_NOTEBOOK, UPDATE_NOTEBOOK):
        try:
            board, source, _ = load_scoreboard(config)
        except ResultsError:
            return {}, "none"
        return board_figures(board, costs_too=True), source
    try:
        figures, source = lesson_figures(notebook, config), "measured"
    except ResultsError:
        figures = reference_figures(notebook)
        source = "reference" if figures else "none"
    if notebook == "03_finetuning_with_lora" and figures:
        run = train_settings("extraction", config)
        figures["examples seen, extraction"] = float(run.steps * run.batch_size)
    return figures, source
