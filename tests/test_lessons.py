"""The lesson checks: every result a notebook's argument rests on, checked by its direction and a margin.

The notebooks save these figures as they run (`results.save_lesson`; notebook 05's scoreboard). A greedy answer can
take another word on another processor, where two tokens were nearly tied, so no figure here is compared byte for
byte. Each claim says which way a comparison goes and by how much at least; the margins come from the variation
rehearsal (`python -P benchmarks/variation.py`, which writes benchmarks/variation.json): each is set below the
smallest value the claim took under every numerics variant, and the comment beside it gives that value.

In the full suite these run after the notebooks (conftest.py orders them), on what this run saved. Run alone, they
check what the last run of each notebook saved, and skip a notebook that has never run. The last test checks every
claim against every variant recorded in benchmarks/variation.json, so that no margin is tighter than the spread.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_utils import results
from course_utils.config import REPO_ROOT

VARIATION = REPO_ROOT / "benchmarks" / "variation.json"


def gap(f: dict, a: str, b: str) -> float:
    return f[a] - f[b]


# (notebook, claim, test over the figures). Margins: the smallest value under the rehearsal's variants, then the
# margin used (about half of it where the spread allows, so a new processor has room; see the module docstring).
CLAIMS = [
    # 01: retrieval puts the source in front of the model; the answer comes from it; no weight changes
    ("01_rag_from_scratch", "RAG changed no weight (byte-identical fingerprints)",
     lambda f: f["weights byte-identical after RAG"] == 1),
    ("01_rag_from_scratch", "the best chunk comes from the gold document",
     lambda f: f["top chunk comes from the gold document"] == 1),
    ("01_rag_from_scratch", "the RAG answer is right where the closed-book answer is not",
     lambda f: f["RAG answer correct"] == 1 and f["closed-book answer correct"] == 0),
    # 02: retrieval is good, RAG answers more questions than the closed book, re-indexing brings the new facts
    ("02_rag_in_practice", "dense recall@5 is at least 0.85",
     lambda f: f["recall@5, dense"] >= 0.85),
    ("02_rag_in_practice", "a gold document is among the 3 given for at least 85 % of answerable questions",
     lambda f: f["a gold document among the 3 given"] >= 0.85),
    ("02_rag_in_practice", "RAG answers more questions right than the closed book",
     lambda f: gap(f, "RAG correct (answerable)", "closed book correct (answerable)") >= 0.05),
    ("02_rag_in_practice", "after re-indexing the context states the new facts, not the old",
     lambda f: f["after the update, context states the NEW fact"] >= 0.7
     and f["after the update, context states the OLD fact"] <= 0.2),
    # 03: LoRA trains under 1 % of the weights and teaches a format and a voice that prompting does not
    ("03_finetuning_with_lora", "LoRA trains under 1 % of the weights",
     lambda f: 0 < f["LoRA trains this share of the weights"] < 0.01),
    ("03_finetuning_with_lora", "the adapter is under 2 % of the model on disk",
     lambda f: 0 < f["adapter share of the model on disk"] < 0.02),
    ("03_finetuning_with_lora", "zero-shot prompting writes almost no valid record",
     lambda f: f["schema validity, base zero-shot"] <= 0.1),
    ("03_finetuning_with_lora", "LoRA writes valid records far more often than few-shot prompting",
     lambda f: gap(f, "schema validity, LoRA", "schema validity, base few-shot") >= 0.15),
    ("03_finetuning_with_lora", "LoRA gets more fields right than few-shot prompting",
     lambda f: gap(f, "field accuracy, LoRA", "field accuracy, base few-shot") >= 0.25),
    ("03_finetuning_with_lora", "the tuned model's prompt is at least 5 times shorter",
     lambda f: f["prompt tokens, LoRA"] * 5 <= f["prompt tokens, base few-shot"]),
    ("03_finetuning_with_lora", "LoRA meets every brand-voice rule far more often than the rules in a prompt",
     lambda f: gap(f, "brand voice, all rules met, LoRA", "brand voice, all rules met, base with rules") >= 0.4),
    # 04: facts trained into weights help on held-out phrasings, cost general knowledge and go stale; RAG follows
    ("04_can_finetuning_teach_facts", "fine-tuning on facts + paraphrases beats the closed book on held-out phrasings",
     lambda f: gap(f, "held-out phrasings, fine-tuned on facts + paraphrases", "held-out phrasings, closed book") >= 0.1),
    ("04_can_finetuning_teach_facts", "fine-tuning on the facts makes the model forget general knowledge",
     lambda f: f["general questions still right, fine-tuned on facts + paraphrases"] <= 0.5
     and f["general questions still right, fine-tuned on facts"] <= 0.5),
    ("04_can_finetuning_teach_facts", "after the update the fine-tuned model states old facts more often than new",
     lambda f: gap(f, "after the update, fine-tuned on facts + paraphrases states the OLD fact",
                   "after the update, fine-tuned on facts + paraphrases states the NEW fact") >= 0.15),
    ("04_can_finetuning_teach_facts", "after re-indexing RAG states new facts more often than old",
     lambda f: gap(f, "after the update, RAG states the NEW fact", "after the update, RAG states the OLD fact") >= 0.05),
    # 05: the trained reader beats every other system; fine-tuning gives the format; the reader follows the update
    ("05_rag_plus_finetuning", "RAG + fine-tuned beats every other system on answer accuracy",
     lambda f: all(gap(f, "rag_fine_tuned / answer_accuracy", f"{s} / answer_accuracy") >= 0.2
                   for s in ("base", "rag", "fine_tuned"))),
    ("05_rag_plus_finetuning", "the fine-tuned systems write valid JSON, the prompted ones do not",
     lambda f: min(f["fine_tuned / schema_validity"], f["rag_fine_tuned / schema_validity"]) >= 0.85
     and max(f["base / schema_validity"], f["rag / schema_validity"]) <= 0.1),
    ("05_rag_plus_finetuning", "prompted RAG states the gold answer more often than the prompted base model",
     lambda f: gap(f, "rag / answer_in_text", "base / answer_in_text") >= 0.1),
    ("05_rag_plus_finetuning", "after the update the reader states new values, rarely old ones",
     lambda f: gap(f, "rag_fine_tuned / after update / states_new", "rag_fine_tuned / after update / states_old") >= 0.25),
    ("05_rag_plus_finetuning", "after the update the reader is right far more often than the fine-tuned system",
     lambda f: gap(f, "rag_fine_tuned / after update / states_new", "fine_tuned / after update / states_new") >= 0.25),
]
NOTEBOOKS = sorted({notebook for notebook, _, _ in CLAIMS})


def measured(notebook: str, config) -> dict:
    """This run's figures of `notebook`; fails when the notebook ran in this session but saved nothing new."""
    path = results.scoreboard_path() if notebook == "05_rag_plus_finetuning" else results.lesson_path(notebook)
    ran = notebook in getattr(config, "_course_notebooks_run", set())
    if ran and (not path.exists() or path.stat().st_mtime < config._course_session_start):
        pytest.fail(f"notebook {notebook} ran in this test session but did not save {path.name}")
    try:
        return results.lesson_figures(notebook)
    except results.ResultsError as err:
        pytest.skip(f"{err} (the full suite runs every notebook before these checks)")


@pytest.mark.parametrize("notebook, claim, holds", CLAIMS, ids=[f"{n[:2]}: {c}" for n, c, _ in CLAIMS])
def test_the_lesson_holds(notebook, claim, holds, request):
    figures = measured(notebook, request.config)
    assert holds(figures), f"{notebook}: '{claim}' does not hold for the figures {json.dumps(figures, indent=1)}"


def test_every_claim_held_under_every_variant_of_the_rehearsal():
    record = json.loads(VARIATION.read_text())
    variants = record["variants"]
    assert len(variants) >= 4, "the rehearsal must cover at least four numerics variants"
    failures = []
    for notebook in NOTEBOOKS:
        by_figure = record["figures"][notebook]
        for variant in variants:
            figures = {name: values[variant] for name, values in by_figure.items() if variant in values}
            assert figures, f"variation.json has no figures of {notebook} under '{variant}'"
            failures += [f"{notebook} under '{variant}': {claim}" for n, claim, holds in CLAIMS
                         if n == notebook and not holds(figures)]
    assert not failures, "claims that a variant of the rehearsal broke:\n" + "\n".join(failures)


def test_a_claim_that_does_not_hold_fails():
    """The checks can fail: notebook 05's claims on a board where the reader is no better than RAG."""
    board = {"rag_fine_tuned / answer_accuracy": 0.2, "rag / answer_accuracy": 0.2, "base / answer_accuracy": 0.0,
             "fine_tuned / answer_accuracy": 0.0}
    claim = next(holds for n, c, holds in CLAIMS if c.startswith("RAG + fine-tuned beats"))
    assert not claim(board)
    assert claim({**board, "rag_fine_tuned / answer_accuracy": 0.45})


def test_the_lesson_files_name_existing_notebooks():
    notebooks = {p.stem for p in Path(REPO_ROOT, "notebooks").glob("[0-9]*.ipynb")}
    assert set(NOTEBOOKS) <= notebooks
    for notebook in NOTEBOOKS:
        if notebook != "05_rag_plus_finetuning":  # 05 saves its scoreboard (results.save_scoreboard)
            source = Path(REPO_ROOT, "notebooks", f"{notebook}.ipynb").read_text(encoding="utf-8")
            assert f'save_lesson(\\"{notebook}\\"' in source, f"{notebook} does not save its lesson figures"
