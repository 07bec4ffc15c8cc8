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
from course_utils.config import REPO_ROOT

VARIATION = REPO_ROOT / "benchmarks" / "variation.json"


def gap(a: str, b: str):
    return lambda f: f[a] - f[b]


def figure(name: str):
    return lambda f: f[name]


def lowest(*names: str):
    return lambda f: min(f[n] for n in names)


def highest(*names: str):
    return lambda f: max(f[n] for n in names)


def smallest_gap(a: str, others: list[str]):
    return lambda f: min(f[a] - f[b] for b in others)


# (notebook, claim, the quantity it is about, ">=" or "<=", bound). Each bound leaves room beyond the range the quantity
# took under the rehearsal's variants (benchmarks/variation.json; test_the_margins_leave_room_beyond_the_spread
# prints and checks it): a ">=" bound lies at most at its smallest value minus its spread, and never below what the
# claim means (a gap above 0, a share that says "almost always" or "almost never").
F05 = results.SCOREBOARD_NOTEBOOK
OTHERS_05 = ["base / answer_accuracy", "rag / answer_accuracy", "fine_tuned / answer_accuracy",
             "base_structured / answer_accuracy", "rag_structured / answer_accuracy"]
CLAIMS = [
    # 01: retrieval puts the source in front of the model; the answer comes from it; no weight changes
    ("01_rag_from_scratch", "RAG changed no weight (byte-identical fingerprints)",
     figure("weights byte-identical after RAG"), ">=", 1),
    ("01_rag_from_scratch", "the best chunk comes from the gold document",
     figure("top chunk comes from the gold document"), ">=", 1),
    ("01_rag_from_scratch", "the RAG answer is right",
     figure("RAG answer correct"), ">=", 1),
    ("01_rag_from_scratch", "the closed-book answer is not",
     figure("closed-book answer correct"), "<=", 0),
    # 02: retrieval is good, RAG answers more questions than the closed book, re-indexing brings the new facts
    ("02_rag_in_practice", "dense recall@5 is high",
     figure("recall@5, dense"), ">=", 0.85),
    ("02_rag_in_practice", "a gold document is among the 3 given for nearly every answerable question",
     figure("a gold document among the 3 given"), ">=", 0.85),
    ("02_rag_in_practice", "RAG answers more questions right than the closed book",
     gap("RAG correct (answerable)", "closed book correct (answerable)"), ">=", 0.06),
    ("02_rag_in_practice", "after re-indexing the context states the new facts",
     figure("after the update, context states the NEW fact"), ">=", 0.7),
    ("02_rag_in_practice", "after re-indexing the context no longer states the old facts",
     figure("after the update, context states the OLD fact"), "<=", 0.2),
    # 03: LoRA trains under 1 % of the weights and teaches a format and a voice that prompting does not
    ("03_finetuning_with_lora", "LoRA trains under 1 % of the weights",
     figure("LoRA trains this share of the weights"), "<=", 0.01),
    ("03_finetuning_with_lora", "the adapter is under 2 % of the model on disk",
     figure("adapter share of the model on disk"), "<=", 0.02),
    ("03_finetuning_with_lora", "zero-shot prompting writes almost no valid record",
     figure("schema validity, base zero-shot"), "<=", 0.1),
    ("03_finetuning_with_lora", "LoRA writes valid records more often than few-shot prompting",
     gap("schema validity, LoRA", "schema validity, base few-shot"), ">=", 0.15),
    ("03_finetuning_with_lora", "LoRA gets more fields right than few-shot prompting",
     gap("field accuracy, LoRA", "field accuracy, base few-shot"), ">=", 0.3),
    ("03_finetuning_with_lora", "the tuned model's prompt is at least 5 times shorter",
     lambda f: f["prompt tokens, base few-shot"] / f["prompt tokens, LoRA"], ">=", 5),
    ("03_finetuning_with_lora", "LoRA meets every brand-voice rule far more often than the rules in a prompt",
     gap("brand voice, all rules met, LoRA", "brand voice, all rules met, base with rules"), ">=", 0.5),
    # 04: facts trained into weights help on held-out phrasings, cost general knowledge and go stale; RAG follows
    ("04_can_finetuning_teach_facts", "fine-tuning on facts + paraphrases beats the closed book on held-out phrasings",
     gap("held-out phrasings, fine-tuned on facts + paraphrases", "held-out phrasings, closed book"), ">=", 0.15),
    ("04_can_finetuning_teach_facts", "fine-tuning on the facts makes the model forget general knowledge",
     highest("general questions still right, fine-tuned on facts",
             "general questions still right, fine-tuned on facts + paraphrases"), "<=", 0.4),
    ("04_can_finetuning_teach_facts", "after the update the fine-tuned model states old facts more often than new",
     gap("after the update, fine-tuned on facts + paraphrases states the OLD fact",
         "after the update, fine-tuned on facts + paraphrases states the NEW fact"), ">=", 0.2),
    ("04_can_finetuning_teach_facts", "after re-indexing RAG states new facts more often than old",
     gap("after the update, RAG states the NEW fact", "after the update, RAG states the OLD fact"), ">=", 0.06),
    # 05: the trained reader beats every other system; fine-tuning gives the format; the reader follows the update
    (F05, "RAG + fine-tuned beats every other system on answer accuracy",
     smallest_gap("rag_fine_tuned / answer_accuracy", OTHERS_05), ">=", 0.15),
    (F05, "structured decoding makes most prompted answers valid JSON, with no training",
     lowest("base_structured / schema_validity", "rag_structured / schema_validity"), ">=", 0.5),
    (F05, "the trained reader reads far better than prompted RAG with structured decoding",
     gap("rag_fine_tuned / gains / reading", "rag_structured / gains / reading"), ">=", 0.2),
    (F05, "forced into JSON, prompted RAG states the gold answer less often than in prose",
     gap("rag / answer_in_text", "rag_structured / answer_in_text"), ">=", 0.1),
    (F05, "after the update the fine-tuned system without retrieval states old values more often than new",
     gap("fine_tuned / after update / states_old", "fine_tuned / after update / states_new"), ">=", 0.05),
    (F05, "the fine-tuned systems write valid JSON",
     lowest("fine_tuned / schema_validity", "rag_fine_tuned / schema_validity"), ">=", 0.85),
    (F05, "the prompted systems do not",
     highest("base / schema_validity", "rag / schema_validity"), "<=", 0.1),
    (F05, "prompted RAG states the gold answer more often than the prompted base model",
     gap("rag / answer_in_text", "base / answer_in_text"), ">=", 0.15),
    (F05, "after the update the reader states new values far more often than old ones",
     gap("rag_fine_tuned / after update / states_new", "rag_fine_tuned / after update / states_old"), ">=", 0.3),
    (F05, "after the update the reader is right far more often than the fine-tuned system",
     gap("rag_fine_tuned / after update / states_new", "fine_tuned / after update / states_new"), ">=", 0.3),
]


def holds(quantity, op: str, bound: float, figures: dict) -> bool:
    value = quantity(figures)
    return value >= bound if op == ">=" else value <= bound


NOTEBOOKS = sorted({claim[0] for claim in CLAIMS})


def measured(notebook: str, config) -> dict:
    """This run's figures of `notebook`; fails when the notebook ran in this session but saved nothing new."""
    path = results.figures_path(notebook)
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
        rows.append(f"{notebook[:2]} {claim[:70]:<70} {low:7.3f} {high:7.3f}  {op} {bound}")
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
        if notebook != results.SCOREBOARD_NOTEBOOK:  # 05 saves its scoreboard (results.save_scoreboard)
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
