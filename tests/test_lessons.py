"""The lesson checks: every result a notebook's argument rests on, checked by its direction and a margin.

The notebooks save these figures as they run (`results.save_lesson`; notebook 05's scoreboard). A greedy answer can
take another word on another processor, where two tokens were nearly tied, so no figure here is compared byte for
byte. Each claim names the quantity it is about, which way it must go and a bound; the bounds come from the variation
rehearsal (`python -P benchmarks/variation.py`, which writes benchmarks/variation.json): each lies beyond the range
the quantity took under every numerics variant by at least the width of that range, which
test_the_margins_leave_room_beyond_the_spread checks and prints.

In the full suite these run after the notebooks (conftest.py orders them), on what this run saved. Run alone, they
check what the last run of each notebook saved, and skip a notebook that has never run. Two more tests check every
claim against every variant recorded in benchmarks/variation.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_utils import results
from course_utils.claims import LESSON_CHECKS, holds
from course_utils.config import REPO_ROOT

VARIATION = REPO_ROOT / "benchmarks" / "variation.json"


# The checks live in the package (course_utils/claims.py), where notebook 06 and the README's verdict table read them.
CLAIMS = LESSON_CHECKS


NOTEBOOKS = sorted({claim[0] for claim in CLAIMS})


def measured(notebook: str, config) -> dict:
    """This run's figures of `notebook`; fails when the notebook ran in this session but saved nothing new."""
    path = results._figures_path(notebook)
    ran = notebook in getattr(config, "_course_notebooks_run", set())
    if ran and (not path.exists() or path.stat().st_mtime < config._course_session_start):
        pytest.fail(f"notebook {notebook} ran in this test session but did not save {path.name}")
    try:
        return results.lesson_figures(notebook)
    except results.ResultsError as err:
        pytest.skip(f"{err} (the full suite runs every notebook before these checks)")


@pytest.mark.parametrize("notebook, claim, quantity, op, bound", CLAIMS, ids=[f"{c[0][:2]}: {c[1]}" for c in CLAIMS])
def test_the_lesson_holds(notebook, claim, quantity, op, bound, request):
    figures = measured(notebook, request.config)
    assert holds(quantity, op, bound, figures), (
        f"{notebook}: '{claim}' does not hold: {quantity(figures):.3f}, not {op} {bound}, from the figures "
        f"{json.dumps(figures, indent=1)}")


def variant_figures() -> dict[str, dict[str, dict]]:
    """{variant: {notebook: figures}} as benchmarks/variation.json recorded them."""
    record = json.loads(VARIATION.read_text())
    return {variant: {notebook: {name: values[variant] for name, values in by_figure.items() if variant in values}
                      for notebook, by_figure in record["figures"].items()} for variant in record["variants"]}


def test_every_claim_held_under_every_variant_of_the_rehearsal():
    variants = variant_figures()
    assert len(variants) >= 4, "the rehearsal must cover at least four numerics variants"
    failures = []
    for variant, by_notebook in variants.items():
        for notebook, claim, quantity, op, bound in CLAIMS:
            assert by_notebook.get(notebook), f"variation.json has no figures of {notebook} under '{variant}'"
            if not holds(quantity, op, bound, by_notebook[notebook]):
                failures.append(f"{notebook} under '{variant}': {claim} ({quantity(by_notebook[notebook]):.3f})")
    assert not failures, "claims that a variant of the rehearsal broke:\n" + "\n".join(failures)


def test_the_margins_leave_room_beyond_the_spread(capsys):
    """Each bound lies beyond the variants' range by at least that range: a new processor can move a figure as far
    again as the rehearsal saw before a check fails."""
    variants = variant_figures()
    rows, tight = [], []
    for notebook, claim, quantity, op, bound in CLAIMS:
        values = [quantity(by_notebook[notebook]) for by_notebook in variants.values()]
        low, high = min(values), max(values)
        room = (low - bound) if op == ">=" else (bound - high)
        rows.append(f"{notebook.split('_')[0]:<3} {claim[:69]:<69} {low:7.3f} {high:7.3f}  {op} {bound}")
        if room < high - low:
            tight.append(rows[-1])
    with capsys.disabled():
        print("\nclaim (min and max under the variants, then the bound)\n" + "\n".join(rows))
    assert not tight, "bounds closer to the measured range than its width:\n" + "\n".join(tight)


def test_a_claim_that_does_not_hold_fails():
    """The checks can fail: notebook 05's first claim on a board where the reader is no better than RAG."""
    board = {"rag_fine_tuned / answer_accuracy": 0.2, "rag / answer_accuracy": 0.2, "base / answer_accuracy": 0.0,
             "fine_tuned / answer_accuracy": 0.0, "base_structured / answer_accuracy": 0.0,
             "rag_structured / answer_accuracy": 0.05}
    _, _, quantity, op, bound = next(c for c in CLAIMS if c[1].startswith("RAG + fine-tuned beats"))
    assert not holds(quantity, op, bound, board)
    assert holds(quantity, op, bound, {**board, "rag_fine_tuned / answer_accuracy": 0.45})


def test_the_lesson_files_name_existing_notebooks():
    notebooks = {p.stem for p in Path(REPO_ROOT, "notebooks").glob("[0-9]*.ipynb")}
    assert set(NOTEBOOKS) <= notebooks
    for notebook in NOTEBOOKS:
        if notebook not in (results.SCOREBOARD_NOTEBOOK, results.UPDATE_NOTEBOOK):  # they save scoreboard parts
            source = Path(REPO_ROOT, "notebooks", f"{notebook}.ipynb").read_text(encoding="utf-8")
            assert f'save_lesson(\\"{notebook}\\"' in source, f"{notebook} does not save its lesson figures"


def test_lesson_figures_round_trip_and_a_damaged_file_says_what_to_do(tmp_path):
    from course_utils.config import get_config

    config = get_config(cache_dir=tmp_path)
    with pytest.raises(results.ResultsError, match="Run notebook 02_rag_in_practice first"):
        results.lesson_figures("02_rag_in_practice", config)
    figures = {"RAG correct": results.fraction(11, 32), "recall@5": 0.935, "weights unchanged": True}
    path = results.save_lesson("02_rag_in_practice", figures, config)
    record = results.load_lesson("02_rag_in_practice", config)
    assert record["figures"]["RAG correct"] == {"k": 11, "n": 32, "share": 11 / 32}
    assert record["machine"]["bf16_supported"] in (True, False) and record["machine"]["cpu_capability"]
    assert results.lesson_figures("02_rag_in_practice", config) == {"RAG correct": 11 / 32, "recall@5": 0.935,
                                                                   "weights unchanged": 1.0}
    table = results.lesson_table(figures)
    assert table.loc["RAG correct", "k / n"] == "11 / 32" and table.loc["RAG correct", "value"] == 0.344
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(results.ResultsError, match="damaged. Run notebook 02_rag_in_practice again"):
        results.load_lesson("02_rag_in_practice", config)
