"""Every sentence true to its output: a figure in a notebook's prose is printed by its code, and each header's
expected time and memory match the measured benchmarks/results.json."""

import json
import re

import nbformat
import pytest

from course_utils.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
RESULTS = json.loads((REPO_ROOT / "benchmarks" / "results.json").read_text())["notebooks"]
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.]*\d)")  # 0.97, 1.5 (not 2.13.0, not v1.2a)
SECTION_NUMBER = re.compile(r"(#+ |\*\*|section |sections |§)$", re.I)  # "### 2.2 ...", "**5.2 ...", "section 3.2"
HEADER = re.compile(r"\*\*Expected run time:\*\*(?P<time>.*?)\*\*Peak memory:\*\*(?P<memory>.*?)(\n\n|$)", re.S)


def produced_by_code(nb) -> str:
    """What the code of a notebook shows: its outputs (text, tables, Markdown it renders) and its source."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def unproduced_figures(nb) -> list[str]:
    shown = produced_by_code(nb)
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = HEADER.sub("", cell.source) if i == 0 else cell.source  # the header is checked against results.json
        for match in DECIMAL.finditer(text):
            if SECTION_NUMBER.search(text[max(0, match.start() - 9) : match.start()]):
                continue
            if match.group(1) not in shown:
                context = text[max(0, match.start() - 60) : match.end() + 20].replace("\n", " ")
                found.append(f"cell {i}: {match.group(1)} in '...{context}...'")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_decimal_figure_in_the_prose_is_produced_by_code(path):
    missing = unproduced_figures(nbformat.read(path, as_version=4))
    assert not missing, ("figures in Markdown that no output or code of the notebook shows: print them from the run "
                         "or point at the output instead:\n" + "\n".join(missing))


def test_the_check_catches_a_figure_no_output_shows():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### 2.2 Results\nAccuracy rose to 0.93, see section 3.1."),
        nbformat.v4.new_code_cell("print(acc)", outputs=[nbformat.v4.new_output("stream", text="accuracy 0.91\n")]),
    ])
    assert [m.split(":")[1].split(" in")[0].strip() for m in unproduced_figures(nb)] == ["0.93"]


def minutes(phrase: str) -> tuple[str, float]:
    match = re.search(r"(about|under) (a|an|\d+(?:\.\d+)?) (minute|minutes|s\b)", phrase)
    assert match, f"no 'about N minutes' / 'under a minute' in {phrase!r}"
    value = 1.0 if match.group(2) in ("a", "an") else float(match.group(2))
    return match.group(1), value / 60 if match.group(3) == "s" else value


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_header_time_and_memory_match_the_benchmark(path):
    header = HEADER.search(nbformat.read(path, as_version=4).cells[0].source)
    assert header, "the header states '**Expected run time:** ... **Peak memory:** ...'"
    measured = RESULTS[path.stem]
    kind, stated = minutes(header["time"])
    actual = measured["seconds"] / 60
    if kind == "under":
        assert actual <= stated, f"header says under {stated} min, benchmarks/results.json has {actual:.1f} min"
    else:
        assert abs(actual - stated) <= max(1.0, 0.25 * stated), f"header says about {stated} min, measured {actual:.1f}"
    memory = re.search(r"(about|under) (\d+(?:\.\d+)?) (GB|MB)", header["memory"])
    assert memory, f"no 'about X GB' / 'under X MB' in {header['memory']!r}"
    stated_mb = float(memory.group(2)) * (1024 if memory.group(3) == "GB" else 1)
    peak = measured["peak_rss_mb"]
    if memory.group(1) == "under":
        assert peak <= stated_mb, f"header says under {memory.group(2)} {memory.group(3)}, measured {peak:.0f} MB"
    else:
        assert abs(peak - stated_mb) <= 0.15 * 1024, f"header says about {memory.group(2)} {memory.group(3)}, measured {peak:.0f} MB"


def test_the_instructor_guides_agenda_shows_the_measured_run_times():
    """The agenda's "compute" column (m:ss) is each notebook's measured time, within max(30 s, 25 %)."""
    guide = (REPO_ROOT / "docs" / "instructor_guide.md").read_text()
    rows = re.findall(r"^\| [^|]* \| [^|]* \| (\d+):(\d\d) \| (\d\db?) ", guide, re.M)
    assert len(rows) == len(NOTEBOOKS), f"one agenda row with a measured compute time per notebook, found {rows}"
    for minutes, seconds, number in rows:
        stem = next(p.stem for p in NOTEBOOKS if p.name.startswith(number + "_"))
        claimed, measured = int(minutes) * 60 + int(seconds), RESULTS[stem]["seconds"]
        assert abs(claimed - measured) <= max(30, 0.25 * measured), f"{stem}: agenda says {claimed} s, measured {measured} s"


def prediction_spoilers(nb) -> list[str]:
    """Outputs a learner sees between a "predict first" cell (`prediction = None`) and the check of that prediction
    that are not collapsed (cell metadata jupyter.outputs_hidden): tables and printed text that give the answer away."""
    found, open_at = [], None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.source.lstrip().startswith("prediction = None"):
            open_at = i
        elif open_at is not None and re.search(r"check_\w*prediction\(", cell.source):
            open_at = None
        elif open_at is not None and not cell.metadata.get("jupyter", {}).get("outputs_hidden"):
            shows = [o for o in cell.get("outputs", []) if o.get("output_type") in ("execute_result", "display_data")
                     and "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]  # not a progress bar
            if shows:
                found.append(f"cell {i} shows a result before the prediction of cell {open_at} is checked")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_predict_first_answers_stay_collapsed(path):
    nb = nbformat.read(path, as_version=4)
    assert prediction_spoilers(nb) == []
    if any(c.source.lstrip().startswith("prediction = None") for c in nb.cells if c.cell_type == "code"):
        assert any("collapsed in the saved notebook" in " ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown"), \
            "say next to the prediction that its answer is collapsed"


def test_the_spoiler_check_catches_an_open_table():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("prediction = None"),
        nbformat.v4.new_code_cell("table", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "0.5"})]),
        nbformat.v4.new_code_cell("checks.check_update_prediction(prediction, 0.5, 0.1)"),
    ])
    assert len(prediction_spoilers(nb)) == 1
    nb.cells[1].metadata["jupyter"] = {"outputs_hidden": True}
    assert prediction_spoilers(nb) == []


EXERCISE = re.compile(r"\*\*(Exercise \d+)(?P<experiment> \(experiment)?")


def checked_experiments(nb) -> list[str]:
    """The exercises labelled "(experiment)" with a cell, before the next exercise, that calls one of the checks."""
    found, current = set(), None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (matches := list(EXERCISE.finditer(cell.source))):
            current = matches[-1].group(1) if matches[-1].group("experiment") else None  # the cell's last exercise
        elif cell.cell_type == "code" and current and "checks.check_" in cell.source:
            found.add(current)
    return sorted(found)


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name >= "02"], ids=lambda p: p.stem)
def test_every_notebook_from_02_on_has_a_decisive_experiment_with_a_check(path):
    assert checked_experiments(nbformat.read(path, as_version=4)), \
        "label an exercise '(experiment)': the learner predicts, runs a small experiment and a check judges it"


def test_the_experiment_check_needs_the_label_and_a_check():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[md("**Exercise 1.** Write it."), code("checks.check_it(f)"),
                                         md("**Exercise 2 (experiment).** Predict, then run."), code("run()")])
    assert checked_experiments(nb) == []
    nb.cells.append(code("checks.check_prediction(prediction, measured)"))
    assert checked_experiments(nb) == ["Exercise 2"]
