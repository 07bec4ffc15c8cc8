"""The decision model follows the article, never jumps the wrong way, says clearly what it cannot take; the cost
model's arithmetic matches hand-worked cases; a bad results file falls back with a note; the widgets work without a browser."""

import doctest
import itertools
import json
import math
import random

import pytest

from course_utils import costs, decision, results
from course_utils.config import get_config
from course_utils.decision import APPROACHES, CRITERIA, DEFAULTS, MATRIX_ROWS, USE_CASES, recommend

# The direction that moves each criterion toward RAG: +1 = a larger value, -1 = a smaller one (what the monotonicity tests below check).
TOWARD_RAG = {"knowledge_freshness": 1, "training_examples": -1, "output_format": -1, "deployment_speed": 1,
              "behaviour_change": -1, "citations": 1, "knowledge_base_docs": 1, "grounding": 1,
              "latency_budget_s": 1, "budget": -1}

# What the article says, written out here so that a change to the module's own tables cannot go unnoticed.
ARTICLE_USE_CASES = {
    "customer support bot": "RAG", "document Q&A": "RAG", "knowledge-base search": "RAG", "legal research": "RAG",
    "code generation": "fine-tuning", "clinical note summarisation": "fine-tuning", "structured extraction": "fine-tuning",
    "medical assistant": "RAG + fine-tuning",
}
ARTICLE_MATRIX = {
    "knowledge changes often": "RAG", "answers must cite their sources": "RAG", "a large knowledge base": "RAG",
    "accuracy and grounding matter": "RAG", "start quickly, with documents to use": "RAG",
    "a strict output format (always JSON)": "fine-tuning", "a tone or style": "fine-tuning",
    "a domain task skill (small model beats a big one)": "fine-tuning", "lower latency, shorter prompts": "fine-tuning",
    "behaviour to change, but no training data": "prompting first", "training data, but nothing to change": "prompting first",
    "current facts and a strict behaviour": "RAG + fine-tuning",
}


def random_settings(rng: random.Random) -> dict:
    """Any valid setting: a level, or an amount anywhere in its range (log-uniform)."""
    out = {}
    for name, c in CRITERIA.items():
        if c.kind == "level":
            out[name] = rng.choice(c.values)
        else:
            low = math.log10(1 + c.minimum)
            out[name] = max(c.minimum, 10 ** rng.uniform(low, math.log10(1 + min(c.maximum, 1e7))) - 1)
    return out


# --- the article's table -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ARTICLE_USE_CASES))
def test_every_use_case_gets_the_articles_answer(name):
    assert USE_CASES[name].article_says == ARTICLE_USE_CASES[name]
    rec = recommend(decision.preset(name))
    assert rec.approach == ARTICLE_USE_CASES[name], rec.summary()
    assert rec.reasons and rec.path and rec.would_change


@pytest.mark.parametrize("need, settings, answer", MATRIX_ROWS, ids=[row[0] for row in MATRIX_ROWS])
def test_every_matrix_row_gets_the_articles_answer(need, settings, answer):
    assert ARTICLE_MATRIX[need] == answer
    rec = recommend(settings)
    assert rec.approach == answer
    if len(settings) == 1 and answer != "prompting first":  # one need: it is the first reason given
        assert rec.reasons[0] == next(c.reason for c in rec.contributions if c.name in settings)


def test_reasons_for_the_answer_come_before_reasons_against():
    rec = recommend(decision.preset("customer support bot"))
    assert rec.reasons[0].startswith("facts change monthly")
    against = [r for r in rec.reasons if r.startswith("but ")]
    assert against and list(rec.reasons[-len(against):]) == against
    assert any("a light touch" in r for r in against)  # a behaviour push, while fine-tuning is off


def test_the_tables_cover_every_use_case_and_row():
    assert set(USE_CASES) == set(ARTICLE_USE_CASES)
    assert [row[0] for row in MATRIX_ROWS] == list(ARTICLE_MATRIX)
    assert {row[2] for row in MATRIX_ROWS} == set(APPROACHES)


def test_pragmatic_path_rag_first_then_fine_tuning():
    bot = decision.preset("customer support bot")  # ships in days
    launch = recommend(bot, output_format=3, training_examples=3_000)
    # a behaviour need, but no time to train: RAG with structured decoding now, fine-tuning in the next release
    assert (launch.approach, launch.headline) == ("RAG", "RAG + structured decoding")
    assert launch.fine_tuning_later.startswith("in the next release")
    assert launch.reasons[0].startswith("a behaviour need, but must ship in days")
    assert any(step.startswith("Add fine-tuning in the next release") for step in launch.path)
    assert any("structured decoding" in step for step in launch.path)
    year_on = recommend(bot, output_format=3, training_examples=3_000, deployment_speed=0)
    assert year_on.approach == "RAG + fine-tuning" and not year_on.structured_decoding and not year_on.fine_tuning_later
    assert year_on.path[0].startswith("Build RAG first")


# --- edge settings ---------------------------------------------------------------------------------------------

def test_all_neutral_is_prompting_first_with_nothing_invented():
    rec = recommend()
    assert rec.approach == rec.headline == "prompting first"
    assert rec.settings == DEFAULTS
    assert [c.name for c in rec.contributions if c.knowledge or c.behaviour] == []
    assert rec.reasons == () and not rec.fine_tuning_later


def test_contradictory_criteria_give_a_low_confidence():
    clear = recommend(decision.preset("legal research"))
    torn = recommend(knowledge_freshness=3, output_format=2, latency_budget_s=2, training_examples=1_000)
    assert clear.confidence == 0.95 and clear.confidence_label == "high"
    # both scores sit on the threshold (knowledge 1.5 from monthly facts; behaviour 1.25 + 0.25): a coin flip
    assert (torn.knowledge_score, torn.behaviour_score, torn.confidence) == (1.5, 1.5, 0.5)
    assert torn.confidence_label == "low"


@pytest.mark.parametrize("examples", [0, 1, 50, 99])
def test_too_few_examples_never_gives_fine_tuning(examples):
    rng = random.Random(examples)
    strongest = dict(output_format=3, behaviour_change=4, latency_budget_s=0.2, budget=3)
    assert recommend(strongest, training_examples=examples).approach == "prompting first"
    assert "ruled out" in recommend(strongest, training_examples=examples).reasons[0]
    for _ in range(200):
        assert not recommend({**random_settings(rng), "training_examples": examples}).uses_fine_tuning


def test_a_huge_corpus_pushes_no_further_than_a_million_documents():
    assert recommend(knowledge_base_docs=1e9).approach == "RAG"
    assert CRITERIA["knowledge_base_docs"].pushes(1e9) == CRITERIA["knowledge_base_docs"].pushes(1e6)


def test_amounts_interpolate_on_a_log_scale():
    c = CRITERIA["knowledge_base_docs"]
    assert c.pushes(1_000) == (1.5, 0)
    between = (math.log10(317) - math.log10(31)) / (math.log10(1001) - math.log10(31))  # 316 documents
    assert c.pushes(316)[0] == pytest.approx(1.5 * between)
    assert c.pushes(316) == (pytest.approx(1.0, abs=0.01), 0)


def test_reasons_explain_only_what_pushes_and_would_change_really_changes():
    rec = recommend(decision.preset("clinical note summarisation"))
    assert len(rec.contributions) == len(CRITERIA)
    assert all(bool(c.reason) == bool(c.knowledge or c.behaviour) for c in rec.contributions)
    assert "Facts change: weekly or faster -> RAG + fine-tuning" in rec.would_change
    assert recommend(rec.settings, knowledge_freshness=4).approach == "RAG + fine-tuning"
    assert recommend(decision.preset("legal research")).would_change[0].startswith("No single change")


# --- monotonicity ------------------------------------------------------------------------------------------------

def steps_toward_rag(name: str, value: float) -> list[float]:
    c = CRITERIA[name]
    grid = sorted(set(c.values) | {value} | ({c.minimum, c.maximum, 3, 300, 3_000, 1e7} if c.kind == "amount" else set()))
    grid = [v for v in grid if c.minimum <= v <= (c.maximum if c.kind == "amount" else max(c.values))]
    ahead = [v for v in grid if (v > value if TOWARD_RAG[name] > 0 else v < value)]
    return sorted(ahead, reverse=TOWARD_RAG[name] < 0)


@pytest.mark.parametrize("name", list(CRITERIA))
def test_moving_toward_rag_never_moves_toward_fine_tuning(name):
    rng = random.Random(name)
    for _ in range(60):
        settings = random_settings(rng)
        before = recommend(settings)
        for value in steps_toward_rag(name, settings[name]):
            after = recommend({**settings, name: value})
            assert after.knowledge_score >= before.knowledge_score - 1e-9
            assert after.behaviour_score <= before.behaviour_score + 1e-9
            assert not (after.uses_fine_tuning and not before.uses_fine_tuning), (name, value, before.summary(), after.summary())
            assert not (before.uses_rag and not after.uses_rag), (name, value, before.summary(), after.summary())
            before = after


# --- each criterion acts through its own group ----------------------------------------------------------------------

KNOWLEDGE = [n for n, c in CRITERIA.items() if c.group == "knowledge"]
BEHAVIOUR = [n for n, c in CRITERIA.items() if c.group == "behaviour"]
FEASIBILITY = [n for n, c in CRITERIA.items() if c.group == "feasibility"]


def test_the_groups_are_the_ones_the_article_implies():
    assert KNOWLEDGE == ["knowledge_freshness", "citations", "knowledge_base_docs", "grounding"]
    assert BEHAVIOUR == ["output_format", "behaviour_change", "latency_budget_s"]
    assert FEASIBILITY == ["training_examples", "deployment_speed", "budget"]
    for name, c in CRITERIA.items():  # every push of a criterion lands on its own group's score only
        assert all((rag == 0 or c.group == "knowledge") and (ft == 0 or c.group == "behaviour") for _, rag, ft, _ in c.points), name


def steps_raising_the_need(name: str, value: float) -> list[float]:
    """Values of a knowledge or behaviour criterion that ask for more of its half than `value` does."""
    c = CRITERIA[name]
    more_rag = TOWARD_RAG[name] > 0
    up = more_rag if c.group == "knowledge" else not more_rag  # a behaviour need rises as the answer moves from RAG
    grid = sorted(set(c.values) | ({c.minimum, min(c.maximum, 1e7), 3, 300, 3_000} if c.kind == "amount" else set()))
    return sorted((v for v in grid if (v > value if up else v < value)), reverse=not up)


@pytest.mark.parametrize("name", KNOWLEDGE + BEHAVIOUR)
def test_raising_one_need_never_removes_the_other_half(name):
    """More knowledge need never takes fine-tuning out of an answer; more behaviour need never takes RAG out."""
    rng = random.Random(f"halves {name}")
    for _ in range(80):
        settings = random_settings(rng)
        before = recommend(settings)
        for value in steps_raising_the_need(name, settings[name]):
            after = recommend({**settings, name: value})
            if CRITERIA[name].group == "knowledge":
                assert after.behaviour_score == before.behaviour_score and after.knowledge_score >= before.knowledge_score
                assert after.uses_fine_tuning == before.uses_fine_tuning, (name, value, before.summary(), after.summary())
                assert after.uses_rag or not before.uses_rag
            else:
                assert after.knowledge_score == before.knowledge_score and after.behaviour_score >= before.behaviour_score
                assert after.uses_rag == before.uses_rag, (name, value, before.summary(), after.summary())
                assert after.uses_fine_tuning or not before.uses_fine_tuning
            before = after


@pytest.mark.parametrize("name", FEASIBILITY)
def test_feasibility_only_holds_fine_tuning_back(name):
    rng = random.Random(f"feasibility {name}")
    c = CRITERIA[name]
    for _ in range(80):
        settings = random_settings(rng)
        answers = [recommend({**settings, name: v}) for v in c.values]
        assert len({(r.knowledge_score, r.behaviour_score) for r in answers}) == 1  # it moves neither score
        assert len({r.uses_rag for r in answers}) == 1  # nor RAG
        for r in answers:
            assert r.uses_fine_tuning == (r.behaviour_score >= decision.THRESHOLD and not decision.holds(r.settings))
            assert bool(r.fine_tuning_later) == (r.behaviour_score >= decision.THRESHOLD and bool(decision.holds(r.settings)))


@pytest.mark.parametrize("name, value, words", [
    ("training_examples", 40, "fewer than 100 training examples"), ("budget", 0, "a shoestring budget"),
    ("deployment_speed", 3, "must ship now"),
])
def test_each_hold_says_why_and_when_fine_tuning_comes(name, value, words):
    rec = recommend({"output_format": 3, "behaviour_change": 2, "training_examples": 5_000, name: value})
    assert rec.approach == "prompting first" and rec.headline == "prompting first + structured decoding"
    assert rec.reasons[0] == f"a behaviour need, but {decision.holds(rec.settings)[0][1]}" and words in rec.reasons[0]
    assert any(step.startswith("Add fine-tuning " + rec.fine_tuning_later) for step in rec.path)


def test_structured_decoding_answers_a_format_without_fine_tuning():
    # a fixed template alone does not cross the threshold: no fine-tuning, but structured decoding holds the template
    template = recommend(output_format=2, training_examples=5_000)
    assert template.headline == "prompting first + structured decoding" and not template.fine_tuning_later
    assert any("structured decoding" in step and "does not teach the model to read, cite or abstain" in step for step in template.path)
    # never beside fine-tuning now, and never for free text or a light structure
    rng = random.Random("structured")
    for _ in range(300):
        r = recommend(random_settings(rng))
        assert r.structured_decoding == (not r.uses_fine_tuning and r.settings["output_format"] >= decision.STRUCTURED_FORMAT)


# --- the course's own cases, and what the weights rest on ----------------------------------------------------------

@pytest.fixture(scope="module")
def reference_figures(tmp_path_factory):
    """The committed reference figures only (benchmarks/), whatever this machine's cache holds: an empty cache."""
    empty = get_config(cache_dir=tmp_path_factory.mktemp("empty-cache"))
    found = {nb: results.course_figures(nb, empty) for nb in decision.NOTEBOOKS.values()}
    assert {source for _, source in found.values()} == {"reference"}
    return {nb: figures for nb, (figures, _) in found.items()}


@pytest.mark.parametrize("name", list(decision.COURSE_CASES))
def test_the_courses_own_cases_get_the_answer_their_measurements_support(name, reference_figures):
    case = decision.COURSE_CASES[name]
    rec = recommend(case.settings)
    assert rec.headline in case.supported, rec.summary()
    assert decision.evidence_for(rec, reference_figures)


def test_the_support_bot_of_05_is_told_with_05s_figures(reference_figures):
    rec = recommend(decision.COURSE_CASES["05: the support bot"].settings)
    assert rec.approach == "RAG + fine-tuning"
    lines = decision.evidence_for(rec, reference_figures)
    board = results.read_scoreboard(results.REFERENCE_PATH)["systems"]
    reader, constrained = board["rag_fine_tuned"]["answer_accuracy"], board["rag_structured"]["answer_accuracy"]
    fmt = next(line for line in lines if line.startswith("Output format"))
    assert f"the fine-tuned reader answered {reader:.0%}" in fmt and f"constrained prompted RAG {constrained:.0%}" in fmt
    assert reader - constrained >= 0.15  # the lesson check of notebook 05 holds for the reference run too


def test_every_criterion_has_evidence_and_every_figure_it_names_exists(reference_figures):
    import re

    assert set(decision.EVIDENCE) == set(CRITERIA)
    for name, e in decision.EVIDENCE.items():
        assert e.article and e.measured, name
        for short, figure, _ in re.findall(r"\{(\d\d):([^{}]+?):([%sn])\}", e.measured + e.disagrees):
            assert figure in reference_figures[decision.NOTEBOOKS[short]], (name, short, figure)
    rows = decision.evidence_table(reference_figures)
    assert [r["criterion"] for r in rows] == KNOWLEDGE + BEHAVIOUR + FEASIBILITY  # grouped
    assert not any("not measured" in r["the course measured"] + r["where they disagree"] for r in rows)
    assert "not measured: run notebook 03" in decision.evidence_table({})[4]["the course measured"]


def test_where_the_course_disagrees_with_the_article_it_says_so(reference_figures):
    rows = {r["criterion"]: r for r in decision.evidence_table(reference_figures)}
    seen = reference_figures["03_finetuning_with_lora"]["examples seen, extraction"]
    assert seen < decision.ENOUGH_EXAMPLES and f"from {seen:,.0f}" in rows["training_examples"]["where they disagree"]
    assert "structured decoding holds a format with no training" in rows["output_format"]["where they disagree"]


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, error, message", [
    ({"citatons": 2}, decision.UnknownCriterionError, "Did you mean 'citations'"),
    ({"knowledge_freshness": 7}, decision.DecisionInputError, "0 = rarely"),
    ({"knowledge_freshness": 2.5}, decision.DecisionInputError, "whole number"),
    ({"knowledge_freshness": "high"}, decision.DecisionInputError, "got 'high' (str)"),
    ({"citations": True}, decision.DecisionInputError, "got True (bool)"),
    ({"training_examples": -5}, decision.DecisionInputError, "from 0 to"),
    ({"training_examples": float("nan")}, decision.DecisionInputError, "must be a number"),
    ({"knowledge_base_docs": float("inf")}, decision.DecisionInputError, "must be a number"),
    ({"latency_budget_s": 0}, decision.DecisionInputError, "from 0.2 to 3600 s"),
    ({"latency_budget_s": "2"}, decision.DecisionInputError, "must be a number"),
])
def test_bad_settings_are_refused_with_what_is_allowed(settings, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        recommend(settings)


def test_other_bad_inputs():
    with pytest.raises(decision.DecisionInputError, match="must be a dict"):
        recommend([("citations", 2)])
    with pytest.raises(decision.UnknownPresetError, match="Did you mean 'legal research'"):
        decision.preset("legal reserch")
    assert issubclass(decision.UnknownPresetError, ValueError) and issubclass(costs.CostInputError, ValueError)
    assert recommend(citations=__import__("numpy").int64(2)).approach == "RAG"  # NumPy integers are fine


def test_docstring_examples_run():
    for module in (decision, costs):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# --- the cost model ---------------------------------------------------------------------------------------------

UNITS = costs.UnitCosts({"prompting first": 0.5, "RAG": 1.5, "fine-tuning": 0.5, "RAG + fine-tuning": 1.5}, 0.1,
                        {"fine-tuning": 0.9, "RAG + fine-tuning": 1.8}, "assumed", "test figures")
WORK = costs.Workload(queries_per_day=1200, updates_per_month=2, corpus_docs=1000, chunks_per_doc=5, changed_share=0.1,
                      training_examples=2000, epochs=1, retrains_per_year=6, price_per_hour=3.6, months=12)


def test_cost_plan_matches_the_hand_worked_case():
    # $3.6 an hour = $0.001 a second; 1200 queries a day = 36,500 a month; the index: 1000 x 5 chunks x 0.1 s = 500 s;
    # re-indexing: 2 updates x 10% x 500 s = 100 s a month; one training run: 2000 x 0.9 s (both: x 1.8 s), 6 a year.
    plan = costs.cost_plan(WORK, UNITS)
    assert plan.upfront == pytest.approx({"prompting first": 0, "RAG": 0.5, "fine-tuning": 1.8, "RAG + fine-tuning": 4.1})
    assert plan.monthly == pytest.approx({"prompting first": 18.25, "RAG": 54.85, "fine-tuning": 19.15, "RAG + fine-tuning": 56.65})
    assert plan.cumulative("RAG", 12) == pytest.approx(0.5 + 12 * 54.85)
    assert plan.latency_s["RAG"] == 1.5
    crossings = {(dear, cheap): month for dear, cheap, month in plan.break_evens()}
    assert crossings[("fine-tuning", "RAG")] == pytest.approx(1.3 / 35.7)
    assert ("fine-tuning", "prompting first") not in crossings  # dearer up front *and* every month: never
    assert plan.cheapest(12) == "prompting first"
    assert plan.cheapest(12, among=("RAG", "fine-tuning")) == "fine-tuning"


def test_cost_rows_of_the_article_and_the_cost_per_correct_answer():
    plan = costs.cost_plan(WORK, UNITS)
    # ongoing = answering: 36,500 answers a month x seconds per answer x $0.001
    assert plan.serving == pytest.approx({"prompting first": 18.25, "RAG": 54.75, "fine-tuning": 18.25, "RAG + fine-tuning": 54.75})
    # maintenance: re-indexing 100 s a month; retraining 6 a year of 1,800 s (fine-tuning) or 3,600 s (both); both pay both
    assert plan.maintenance == pytest.approx({"prompting first": 0, "RAG": 0.1, "fine-tuning": 0.9, "RAG + fine-tuning": 1.9})
    assert all(plan.monthly[a] == pytest.approx(plan.serving[a] + plan.maintenance[a]) for a in APPROACHES)
    assert plan.per_answer == pytest.approx({"prompting first": 0.0005, "RAG": 0.0015, "fine-tuning": 0.0005, "RAG + fine-tuning": 0.0015})
    assert plan.per_correct_answer == {a: None for a in APPROACHES}  # no accuracy known: no claim
    right = {"prompting first": 0.0, "RAG": 0.25, "fine-tuning": 0.1, "RAG + fine-tuning": 0.5}
    plan = costs.cost_plan(WORK, costs.UnitCosts(**{**UNITS.__dict__, "answer_accuracy": right}))
    assert plan.per_correct_answer == pytest.approx({"prompting first": math.inf, "RAG": 0.006, "fine-tuning": 0.005, "RAG + fine-tuning": 0.003})
    table = plan.table()
    assert list(table.columns) == list(APPROACHES) and table.loc["maintenance, per month (re-indexing, retraining)", "RAG + fine-tuning"] == pytest.approx(1.9)
    with pytest.raises(costs.CostInputError, match="at most 1"):
        costs.UnitCosts(**{**UNITS.__dict__, "answer_accuracy": {"RAG": 1.5}})


def test_the_systems_table_prices_a_correct_answer_for_every_system_of_05():
    board = results.read_scoreboard(results.REFERENCE_PATH)
    table = costs.systems_table(board, price_per_hour=3.6)
    assert len(table) == len(board["systems"]) == 6 and table.index[0] == board["systems"]["base"]["label"]
    reader = board["systems"]["rag_fine_tuned"]
    row = table.loc[reader["label"]]
    assert row["answers right"] == f"{round(reader['answer_accuracy'] * 60)}/60"
    assert row["cost per correct answer"] == pytest.approx(reader["latency_median_s"] * 0.001 / reader["answer_accuracy"])
    never = [k for k, v in board["systems"].items() if v["answer_accuracy"] == 0]
    assert all(table.loc[board["systems"][k]["label"], "cost per correct answer"] == math.inf for k in never)


@pytest.mark.parametrize("a, b, month", [
    ((100, 10), (0, 30), 5.0), ((0, 30), (100, 10), 5.0), ((100, 10), (0, 10), None), ((50, 30), (0, 10), None),
    ((0, 10), (0, 10), 0.0), ((0, 10), (0, 20), None),
])
def test_break_even_by_hand(a, b, month):
    assert costs.break_even(*a, *b) == month


def test_scaling_a_workload_scales_its_costs():
    double = costs.cost_plan(costs.Workload(**{**WORK.__dict__, "price_per_hour": 7.2}), UNITS)
    assert double.monthly["RAG"] == pytest.approx(2 * costs.cost_plan(WORK, UNITS).monthly["RAG"])
    idle = costs.cost_plan(costs.Workload(**{**WORK.__dict__, "queries_per_day": 0, "retrains_per_year": 0, "updates_per_month": 0}), UNITS)
    assert all(v == 0 for v in idle.monthly.values())


@pytest.mark.parametrize("field, value, message", [
    ("queries_per_day", -5, "cannot be negative"), ("price_per_hour", float("nan"), "must be a number"),
    ("changed_share", 1.5, "at most 1"), ("months", 0, "whole number from 1 to 120"), ("months", 2.5, "whole number"),
    ("corpus_docs", "many", "must be a number"), ("retrains_per_year", True, "must be a number"),
])
def test_bad_workloads_are_refused(field, value, message):
    with pytest.raises(costs.CostInputError, match=message):
        costs.Workload(**{field: value})


def test_bad_unit_costs_are_refused():
    with pytest.raises(costs.CostInputError, match="cannot be negative"):
        costs.UnitCosts({**UNITS.seconds_per_query, "RAG": -1}, 0.1, UNITS.train_seconds_per_example, "assumed", "")
    with pytest.raises(costs.CostInputError, match="lack"):
        costs.UnitCosts({"RAG": 1}, 0.1, UNITS.train_seconds_per_example, "assumed", "")


# --- reading notebook 05's results ---------------------------------------------------------------------------------

def board(**changes) -> dict:
    system = lambda latency, training: {  # noqa: E731
        "label": "x", "answer_accuracy": 0.5, "citation_accuracy": 0.4, "schema_validity": 0.9, "abstention": 0.3,
        "latency_median_s": latency, "latency_p90_s": latency * 2, "prompt_tokens": 300, "training_seconds": training,
        "adapter_mb": 3.5, "by_stratum": {}, "after_update": {"states_new": 0.8, "states_old": 0.1}}
    out = {"systems": {"base": system(0.8, 0), "rag": system(1.6, 0), "fine_tuned": system(0.7, 120.0),
                       "rag_fine_tuned": system(1.5, 240.0)},
           "settings": {"reader": {"steps": 60, "batch_size": 4}, "closed_book": {"steps": 20, "batch_size": 8},
                        "chunk_size": 200},
           "update": {"reindex_seconds": 2.0, "retrain_seconds": 240.0, "chunks_embedded": 40}}
    out.update(changes)
    return out


@pytest.fixture
def config(tmp_path, monkeypatch):
    """An empty cache and no reference file: the state before anything was measured."""
    monkeypatch.setattr(results, "REFERENCE_PATH", tmp_path / "reference.json")
    return get_config(cache_dir=tmp_path / "cache")


def test_no_results_anywhere_gives_labelled_placeholders(config):
    units = costs.load_unit_costs(config)
    assert units.source == "assumed" and units.note.startswith("Placeholders, not measurements")
    assert units.seconds_per_query == costs.ASSUMED.seconds_per_query
    assert costs.load_measurements(config)[0] is None
    assert "No scoreboard" in costs.pragmatic_path_story(None, "none")


def test_a_measured_scoreboard_feeds_the_unit_costs(config):
    results.save_scoreboard(board(), results.scoreboard_path(config))
    units = costs.load_unit_costs(config)
    assert units.source == "measured"
    assert units.seconds_per_query == {"prompting first": 0.8, "RAG": 1.6, "fine-tuning": 0.7, "RAG + fine-tuning": 1.5}
    assert units.index_seconds_per_chunk == pytest.approx(2.0 / 40)
    # each system's own run: the closed-book one 20 steps of 8, the reader 60 steps of 4
    assert units.train_seconds_per_example == pytest.approx({"fine-tuning": 120 / 160, "RAG + fine-tuning": 240 / 240})
    assert units.chunk_chars == 200 and units.chunk_method == "chars" and "assumed" not in units.note  # no method: windows
    story = costs.pragmatic_path_story(*costs.load_measurements(config)[:2])
    assert "your run" in story and "80%" in story and "did not raise accuracy" in story


def test_prompted_approaches_are_priced_at_their_best_configuration(config):
    b = board()
    b["systems"]["rag_structured"] = {**b["systems"]["rag"], "answer_accuracy": 0.6, "latency_median_s": 1.9}
    b["systems"]["base_structured"] = {**b["systems"]["base"], "answer_accuracy": 0.4}  # worse than plain: not chosen
    results.save_scoreboard(b, results.scoreboard_path(config))
    units = costs.load_unit_costs(config)
    assert units.seconds_per_query["RAG"] == 1.9 and units.answer_accuracy["RAG"] == 0.6
    assert units.seconds_per_query["prompting first"] == 0.8 and units.answer_accuracy["prompting first"] == 0.5
    assert "RAG priced with structured decoding" in units.note and "prompting first and" not in units.note


def test_the_story_says_when_prompted_systems_wrote_no_valid_json():
    b = board()
    for key, in_text in (("base", 0.05), ("rag", 0.3)):
        b["systems"][key].update(answer_accuracy=0.0, citation_accuracy=0.0, schema_validity=0.0, answer_in_text=in_text)
    story = costs.pragmatic_path_story(b, "reference")
    assert "wrote no answer in the schema's JSON" in story and "30% of the answerable questions with RAG, 5% without" in story
    assert "went from 0%" not in story
    del b["systems"]["rag"]["answer_in_text"]  # an older scoreboard without the free-text figure
    assert "free text" not in costs.pragmatic_path_story(b, "reference")


def test_the_chunking_method_of_the_scoreboard_reaches_the_unit_costs(config):
    results.save_scoreboard(board(settings={"chunk_size": 250, "chunk_method": "markdown"}), results.scoreboard_path(config))
    units = costs.load_unit_costs(config)
    assert (units.chunk_chars, units.chunk_method) == (250, "markdown")
    results.save_scoreboard(board(settings={"chunk_method": "sentences"}), results.scoreboard_path(config))
    assert costs.load_unit_costs(config).chunk_method == "chars"  # a method chunk_documents does not know: the default


def test_a_scoreboard_without_training_sizes_says_what_it_assumed(config):
    results.save_scoreboard(board(settings={}), results.scoreboard_path(config))
    units = costs.load_unit_costs(config)
    assert units.source == "measured" and "training time per example" in units.note
    assert units.train_seconds_per_example == costs.ASSUMED.train_seconds_per_example


@pytest.mark.parametrize("damage", ["truncated", "older format", "not json", "malformed system", "negative latency"])
def test_a_damaged_results_file_falls_back_with_a_note(config, damage):
    path = results.scoreboard_path(config)
    path.parent.mkdir(parents=True)
    good = {"format": results.FORMAT, **board()}
    text = {"truncated": json.dumps(good)[:200], "older format": json.dumps({**good, "format": 0}), "not json": "<html>",
            "malformed system": json.dumps({**good, "systems": {**good["systems"], "base": 3}}),
            "negative latency": json.dumps({**good, "systems": {**good["systems"], "rag": {**good["systems"]["rag"], "latency_median_s": -1}}}),
            }[damage]
    path.write_text(text)
    units = costs.load_unit_costs(config)  # never raises
    assert units.source == "assumed" and units.note.startswith("Placeholders, not measurements")
    assert str(config.cache_dir) not in units.note  # a note shown in a notebook shows no machine paths
    # with the reference figures present, a bad file of your own falls back to them (and says so)
    results.REFERENCE_PATH.write_text(json.dumps(good))
    if damage == "negative latency":
        assert costs.load_unit_costs(config).source == "assumed"  # results.py accepts the file, this module does not
    else:
        units = costs.load_unit_costs(config)
        assert units.source == "reference" and units.note.startswith("Reference figures")


# --- the widgets, without a browser --------------------------------------------------------------------------------

def test_workbench_follows_presets_and_sliders(config):
    from course_utils.decision_widgets import CostCalculator, Workbench

    bench = Workbench()
    assert "prompting first" in bench.answer.value
    chart = bench.chart.value
    rec = bench.choose("legal research")
    assert rec.approach == "RAG" and bench.settings == decision.preset("legal research")
    assert ">RAG<" in bench.answer.value and bench.chart.value != chart
    bench.sliders["behaviour_change"].value = 3
    bench.sliders["training_examples"].value = 10_000
    assert bench.recommendation.approach == "RAG + fine-tuning" and bench.preset.value == ""
    bench.choose("legal research")
    assert bench.set(training_examples=1234).settings["training_examples"] == 1234  # an amount between the stops
    assert bench.preset.value == ""  # moved from code: no longer the preset either
    with pytest.raises(decision.UnknownCriterionError):
        bench.set(citatons=2)
    with pytest.raises(decision.UnknownPresetError):
        bench.choose("legal reserch")
    for name, case in decision.COURSE_CASES.items():  # the course's own cases are presets too
        assert name in [value for _, value in bench.preset.options]
        assert bench.choose(name).headline in case.supported
    calc = CostCalculator(costs.load_unit_costs(config), bench)
    assert "assumed" in calc.note.value and calc.plan is not None
    chart = calc.chart.value
    calc.inputs["queries_per_day"].value = -10  # what a learner can type: a message in the panel, no traceback
    assert "cannot be negative" in calc.message.value and calc.chart.value == chart
    calc.inputs["queries_per_day"].value = 5_000
    assert calc.message.value == "" and calc.chart.value != chart
    with pytest.raises(costs.CostInputError, match="Unknown workload field"):
        calc.set(querys_per_day=3)
    assert calc.set(months=6).months == 6


def test_the_widgets_show_evidence_round_their_inputs_and_render_without_a_kernel(config, capsys):
    from course_utils.decision_widgets import CostCalculator, Workbench

    bench = Workbench(figures={})  # nothing measured anywhere: the evidence says which notebook to run
    bench.choose("structured extraction")
    bench.set(training_examples=0)
    assert "prompting first + structured decoding" in bench.answer.value and "Then:</b> add fine-tuning once" in bench.answer.value
    assert "What the course measured" in bench.answer.value and "not measured: run notebook 03" in bench.answer.value
    units = costs.UnitCosts({a: 2.25389498 for a in APPROACHES}, 0.0123456, {"fine-tuning": 1.0, "RAG + fine-tuning": 2.0},
                            "assumed", "test figures", answer_accuracy={a: 0.5 for a in APPROACHES})
    calc = CostCalculator(units, bench)
    assert calc.unit_inputs["query:RAG"].value == 2.25 and calc.unit_inputs["index"].value == 0.0123
    assert "per correct answer" in calc.table.value and "maintenance / month" in calc.table.value
    bench.show_static()
    calc.show_static()  # outside a notebook, IPython's display prints the objects' text
    shown = capsys.readouterr().out
    assert shown.count("<IPython.core.display.HTML object>") == 2 and shown.count("<IPython.core.display.Image object>") == 2
