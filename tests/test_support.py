"""course_utils.support (notebook 05's task and scoring) and course_utils.results (the scoreboard file)."""

import json
import random

import pandas as pd
import pytest

from course_utils import results, support
from course_utils.data import UNANSWERABLE, DatasetError
from course_utils.embeddings import CachedEmbedder
from course_utils.rag import KnowledgeIndex
from course_utils.support import SupportError

from test_rag import BagOfWordsModel

DOCS = [
    {"id": "prod-k3", "title": "Kettle K3", "text": "The Kettle K3 has a list price of 149 EUR. It holds 1.7 litres."},
    {"id": "pol-returns", "title": "Returns", "text": "Return any product within 30 days of delivery."},
    {"id": "co-contact", "title": "Contact", "text": "Support answers the phone from 8:00 to 18:00 on weekdays."},
    {"id": "prod-m5", "title": "Mixer M5", "text": "The Mixer M5 costs 89 EUR and has 600 W of power."},
]


def _task(rows):
    """A task table like load_task's, from (question, target, target_v2, fact_in_train) tuples."""
    records = []
    for i, (q, t, t2, seen) in enumerate(rows):
        records.append(dict(id=f"a{i}", question=q, target=t, target_v2=t2, fact_in_train=seen,
                            variants=[], variants_v2=[], passages=[], stratum=support.stratum(t, seen)))
    return pd.DataFrame(records)


NO = {"answer": UNANSWERABLE, "sources": [], "answerable": False}
PRICE = {"answer": "149 EUR", "sources": ["prod-k3"], "answerable": True}
PRICE_V2 = {"answer": "159 EUR", "sources": ["prod-k3"], "answerable": True}
RETURNS = {"answer": "30 days", "sources": ["pol-returns"], "answerable": True}
TASK = _task([
    ("How much is the K3?", PRICE, PRICE_V2, True),
    ("How long can I return things?", RETURNS, RETURNS, False),
    ("Who founded the company?", NO, NO, False),
])


@pytest.fixture
def kb(tmp_path):
    return KnowledgeIndex.build(DOCS, CachedEmbedder(BagOfWordsModel(), "bow-64", tmp_path / "emb"), size=200)


# --- the task -----------------------------------------------------------------------------------------

def test_load_task_joins_questions_and_strata():
    test = support.load_task("test")
    assert len(test) == 103
    assert set(test["stratum"]) == set(support.STRATA)
    assert (test.loc[test["stratum"] == "unanswerable", "target"].map(lambda t: t["answerable"]) == False).all()  # noqa: E712
    assert {"variants", "variants_v2", "fact_in_train", "passages"} <= set(test.columns)


def test_load_task_unknown_split():
    with pytest.raises(DatasetError, match="split"):
        support.load_task("tset")


@pytest.mark.parametrize("target, match", [
    ({"answer": "x", "sources": []}, "exactly the keys"),
    ({"answer": "", "sources": [], "answerable": True}, "non-empty string"),
    ({"answer": "x", "sources": "prod-k3", "answerable": True}, "list of document ids"),
    ({"answer": "x", "sources": [], "answerable": "yes"}, "true or false"),
    ("149 EUR", "exactly the keys"),
])
def test_malformed_target_is_refused(target, match):
    with pytest.raises(SupportError, match=match):
        support.check_target(target)


def test_target_json_keeps_schema_order_and_validates():
    from jsonschema import Draft202012Validator

    from course_utils.data import load_schema

    text = support.target_json({"answerable": True, "sources": ["prod-k3"], "answer": "149 EUR"})
    assert text == '{"answer": "149 EUR", "sources": ["prod-k3"], "answerable": true}'
    assert Draft202012Validator(load_schema("support_answer")).is_valid(json.loads(text))
    assert Draft202012Validator(load_schema("support_answer")).is_valid(json.loads(support.target_json(NO)))


def test_messages_label_documents_with_their_ids(kb):
    hits = kb.retrieve("price of the K3 kettle", k=2)
    messages = support.build_messages("How much is the K3?", hits)
    assert messages[0] == {"role": "system", "content": support.SUPPORT_SYSTEM}
    assert messages[1]["content"].startswith("Documents:\n[prod-k3] Kettle K3: ")
    assert messages[1]["content"].endswith("Question: How much is the K3?")
    assert support.build_messages("How much is the K3?")[1]["content"] == "Question: How much is the K3?"
    twice = support.build_messages("How much is the K3?", hits, question_twice=True)[1]["content"]
    assert twice == "Question: How much is the K3?\n\n" + messages[1]["content"]


def test_empty_retrieval_and_empty_question_are_clear_errors():
    with pytest.raises(SupportError, match="no documents"):
        support.build_messages("How much is the K3?", [])
    with pytest.raises(SupportError, match="Empty question"):
        support.build_messages("  ")


# --- scoring ------------------------------------------------------------------------------------------

def test_score_counts_answers_citations_and_abstention():
    outputs = [
        '{"answer": "149 EUR", "sources": ["prod-k3"], "answerable": true}',   # right, cited
        '{"answer": "It is 30 days", "sources": ["prod-k3"], "answerable": true}',  # right answer, wrong source
        '{"answer": "not in the knowledge base", "sources": [], "answerable": false}',  # right abstention
    ]
    scored = support.score(outputs, TASK)
    assert scored["correct"].tolist() == [True, True, True]
    assert scored["cited"].tolist()[:2] == [True, False]
    summary = support.summarize(scored)
    assert summary["answer_accuracy"] == 1.0
    assert summary["citation_accuracy"] == 0.5
    assert summary["abstention"] == 1.0 and summary["false_abstention"] == 0.0
    assert summary["schema_validity"] == 1.0
    assert support.by_stratum(scored) == {"seen fact": 1.0, "unseen fact": 1.0, "unanswerable": 1.0}


def test_non_json_output_is_counted_not_crashed_on():
    outputs = ["The K3 costs 149 EUR.", '{"answer": "30 days", "sources": ["pol-returns"]}', "{not json"]
    scored = support.score(outputs, TASK)
    assert scored["parsed"].tolist() == [False, True, False]
    assert scored["valid"].tolist() == [False, False, False]      # the second lacks "answerable"
    assert scored["correct"].tolist() == [False, True, False]
    assert scored["answer_in_text"].tolist() == [True, True, False]  # knew it, could not format it
    assert support.summarize(scored)["schema_validity"] == 0.0


def test_chatty_text_around_json_parses_but_is_not_schema_valid():
    scored = support.score(['Sure! {"answer": "149 EUR", "sources": ["prod-k3"], "answerable": true}'], TASK.head(1))
    assert scored.loc[0, "parsed"] and scored.loc[0, "correct"] and not scored.loc[0, "valid"]


def test_abstaining_on_an_answerable_question_is_wrong():
    scored = support.score(['{"answer": "not in the knowledge base", "sources": [], "answerable": false}'], TASK.head(1))
    assert not scored.loc[0, "correct"] and scored.loc[0, "abstained"]
    assert support.summarize(scored)["false_abstention"] == 1.0


def test_score_v2_tells_new_from_old():
    outputs = ['{"answer": "149 EUR", "sources": ["prod-k3"], "answerable": true}',
               '{"answer": "30 days", "sources": ["pol-returns"], "answerable": true}',
               '{"answer": "not in the knowledge base", "sources": [], "answerable": false}']
    scored = support.score(outputs, TASK, version="v2")
    assert scored["correct"].tolist() == [False, True, True]
    assert scored["states_old"].tolist() == [True, True, True]


def test_gains_take_answer_accuracy_apart(kb):
    outputs = ['{"answer": "149 EUR", "sources": ["prod-k3"], "answerable": true}',   # read it from its document
               'It is 30 days, I think.',                                             # knew it, no JSON
               '{"answer": "not in the knowledge base", "sources": [], "answerable": false}']
    scored = support.score(outputs, TASK)
    hits = kb.retrieve_batch(list(TASK["question"]), 1)
    shown = support.gold_shown(hits, TASK)
    assert shown[0] and not shown[2]                                # the unanswerable question has no gold document
    after = support.score(outputs, TASK, version="v2")
    g = support.gains(scored, after, shown)
    assert tuple(g) == support.GAINS
    assert g["format"] == pytest.approx(2 / 3) and g["knowledge"] == 1.0 and g["citation"] == 0.5
    assert g["abstention"] == 1.0 and g["after update: old"] == pytest.approx(2 / 3)   # prose states nothing
    assert g["after update: new"] == pytest.approx(1 / 3)
    assert g["reading"] == scored.loc[shown, "correct"].mean()
    closed = support.gains(scored)                                  # no retrieval, no update: NaN, not 0
    assert pd.isna(closed["reading"]) and pd.isna(closed["after update: new"])
    with pytest.raises(SupportError, match="for 3 scored questions"):
        support.gains(scored, shown=[True])
    with pytest.raises(SupportError, match="retrieve once per question"):
        support.gold_shown(hits[:1], TASK)


def test_score_bad_requests():
    with pytest.raises(SupportError, match="one output per question"):
        support.score(["{}"], TASK)
    with pytest.raises(SupportError, match="'v1' or 'v2'"):
        support.score(["{}"] * 3, TASK, version="v3")
    with pytest.raises(SupportError, match="Nothing to summarise"):
        support.summarize(pd.DataFrame())


def test_percentile_matches_numpy_and_refuses_empty():
    assert support.percentile([1, 2, 3, 4], 50) == 2.5
    assert support.percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == pytest.approx(9.1)
    with pytest.raises(SupportError):
        support.percentile([], 90)


# --- the reader's training contexts -------------------------------------------------------------------

def test_gold_context_shows_the_evidence_and_cites_it(kb):
    hits, target = support.reader_context(kb, "What does the kettle cost?", PRICE, 2, "gold", random.Random(0),
                                          passages=["list price of 149 EUR"])
    assert len(hits) == 2
    assert any(h.doc_id == "prod-k3" and "149 EUR" in h.text for h in hits)
    assert target == PRICE


def test_gold_chunk_is_swapped_in_when_retrieval_misses_it(kb):
    # a question that shares no words with the kettle page: the evidence chunk must be put in
    hits, target = support.reader_context(kb, "phone weekdays support", PRICE, 2, "gold", random.Random(0),
                                          passages=["list price of 149 EUR"])
    assert "prod-k3" in {h.doc_id for h in hits} and len(hits) == 2
    assert target["sources"] == ["prod-k3"]


def test_distractor_context_hides_the_gold_document_and_abstains(kb):
    hits, target = support.reader_context(kb, "What does the kettle cost?", PRICE, 2, "distractors", random.Random(0))
    assert hits and "prod-k3" not in {h.doc_id for h in hits}
    assert target == {"answer": UNANSWERABLE, "sources": [], "answerable": False}


def test_reader_rows_mix_and_bad_settings(kb):
    rows = support.reader_rows(kb, TASK, k=2, distractor_share=0.0, contexts_per_question=2, seed=1)
    assert len(rows) == 6
    assert [r["answerable"] for r in rows] == [True, True, True, True, False, False]
    assert all(r["prompt"].startswith("Documents:\n") for r in rows)
    with pytest.raises(SupportError, match="distractor_share"):
        support.reader_rows(kb, TASK, distractor_share=1.0)
    with pytest.raises(SupportError, match="positive integer"):
        support.reader_rows(kb, TASK, k=0)
    with pytest.raises(SupportError, match="mode"):
        support.reader_context(kb, "q", PRICE, 2, "oracle", random.Random(0))


def test_closed_book_rows():
    rows = support.closed_book_rows(TASK)
    assert rows[0] == {"prompt": "Question: How much is the K3?", "answer": support.target_json(PRICE)}


def test_closed_book_facts_are_every_phrasing_of_the_asked_facts_plus_other_unanswerable_questions():
    train, test = support.load_task("train"), support.load_task("test")
    asked = test[test["changed"]]
    rows = support.closed_book_facts(train, asked, extra_unanswerable=10, seed=0)
    facts = set(asked["fact_id"])
    assert rows.index.is_unique and set(train.index[train["fact_id"].isin(facts)]) <= set(rows.index)
    extra = rows[~rows["fact_id"].isin(facts)]
    assert len(extra) == 10 and (extra["stratum"] == "unanswerable").all()
    assert rows.equals(support.closed_book_facts(train, asked, extra_unanswerable=10, seed=0))   # seeded
    assert not set(rows["question"]) & set(test["question"])                 # the test phrasings stay unseen
    with pytest.raises(SupportError, match="whole number"):
        support.closed_book_facts(train, asked, extra_unanswerable=-1)
    with pytest.raises(SupportError, match="Only"):
        support.closed_book_facts(train, asked, extra_unanswerable=500)
    with pytest.raises(SupportError, match="None of the asked"):
        support.closed_book_facts(train, test[test["stratum"] == "unseen fact"])


# --- the scoreboard file ------------------------------------------------------------------------------

def _board():
    system = {m: 0.5 for m in results.METRICS}
    return {"systems": {name: dict(system, label=name) for name in results.SYSTEMS}, "update": {}}


def test_scoreboard_round_trip(tmp_path):
    path = results.save_scoreboard(_board(), tmp_path / "r" / "scoreboard.json")
    board = results.read_scoreboard(path)
    assert board["format"] == results.FORMAT and board["machine"]["cpu_count"]
    assert board["systems"]["rag"]["answer_accuracy"] == 0.5
    assert list(tmp_path.glob("r/*.tmp")) == []


def test_scoreboard_record_from_the_notebooks_tables(tmp_path):
    labels = {name: name.upper() for name in results.SYSTEMS}
    correct = {name: [True] * i + [False] * (4 - i) for i, name in enumerate(results.SYSTEMS)}
    summary = {"answer_accuracy": 0.5, "citation_accuracy": 0.5, "schema_validity": 1.0, "abstention": 0.25,
               "answer_in_text": 0.75, "answerable_accuracy": 0.5, "false_abstention": 0.0, "json_parse_rate": 1.0}
    board = pd.DataFrame({labels[n]: {**summary, "prompt tokens": 80.0, "training (s)": 0.0, "adapter (MB)": 0.0}
                          for n in labels}).T
    strata = pd.DataFrame({labels[n]: dict.fromkeys(support.STRATA, 0.5) for n in labels}).T
    gains = pd.DataFrame({labels[n]: {"format": 1.0, "reading": float("nan")} for n in labels}).T
    record = results.scoreboard_record(labels, board, correct=correct, strata=strata, gains=gains, settings={},
                                       peak_memory_mb=1000)
    board_read = results.read_scoreboard(results.save_scoreboard(record, tmp_path / "scoreboard.json"), "05")
    rag = board_read["systems"]["rag"]
    assert (rag["n_questions"], rag["answer_accuracy_k"]) == (4, 1)  # n/N and its interval from the flags
    assert rag["answer_accuracy_interval"][0] < 0.25 < rag["answer_accuracy_interval"][1]
    assert rag["gains"] == {"format": 1.0, "reading": None} and "latency_median_s" not in rag

    update = pd.DataFrame({labels[n]: {"states the NEW value": 0.4, "states the OLD value": 0.1} for n in labels}).T
    latency = {n: support.Latency(queries=2, retrieval_s=0.0, grammar_s=0.0, prompt_tokens=80, prefill_s=0.1,
                                  seconds_per_token=0.05, answer_tokens=20, totals=(1.0, 1.2)) for n in labels}
    part = results.update_record(labels, update=update, n_changed=10, latency=latency,
                                 update_costs={"reindex_seconds": 1.0}, settings={}, peak_memory_mb=900)
    part_read = results.read_scoreboard(results.save_update(part, tmp_path / "scoreboard_update.json"), "05b")
    merged = results.check_scoreboard(results.merge_boards(board_read, part_read))
    rag = merged["systems"]["rag"]
    assert rag["latency_median_s"] == pytest.approx(1.1) and rag["latency_parts"]["prefill (s)"] == 0.1
    assert rag["after_update"] == {"states_new": 0.4, "states_old": 0.1, "n_changed": 10}
    assert rag["gains"] == {"format": 1.0, "reading": None, "after update: new": 0.4, "after update: old": 0.1}
    assert merged["update"] == {"reindex_seconds": 1.0} and merged["update_peak_memory_mb"] == 900
    with pytest.raises(results.ResultsError, match="Run notebook 05 again"):
        results.check_scoreboard(board_read)  # notebook 05's part alone is not the board notebook 06 reads


def test_load_scoreboard_says_whose_each_part_is(tmp_path):
    """Each part is yours where its notebook saved it, else the reference run's; the note says which."""
    from course_utils.config import get_config

    config = get_config(cache_dir=tmp_path)
    reference = results.read_scoreboard(results.REFERENCE_PATH)
    part_05 = {"systems": {n: {k: v for k, v in row.items() if k not in ("latency_median_s", "latency_p90_s",
                                                                         "latency_parts", "after_update")}
                           for n, row in reference["systems"].items()}, "settings": {}}
    part_05["systems"]["rag"]["answer_accuracy"] = 0.123
    results.save_scoreboard(part_05, results.scoreboard_path(config))
    board, source, note = results.load_scoreboard(config)
    assert source == "mixed" and "notebook 05's from your own run" in note and "Run notebook 05b" in note
    assert board["systems"]["rag"]["answer_accuracy"] == 0.123
    assert board["systems"]["rag"]["latency_median_s"] == reference["systems"]["rag"]["latency_median_s"]
    update = {"systems": {n: {"latency_median_s": 9.0, "latency_p90_s": 9.5,
                              "after_update": {"states_new": 0.5, "states_old": 0.0}} for n in results.SYSTEMS}}
    results.save_update(update, results.update_path(config))
    board, source, note = results.load_scoreboard(config)
    assert source == "measured" and board["systems"]["base"]["latency_median_s"] == 9.0
    assert board["systems"]["base"]["gains"]["after update: new"] == 0.5
    results.scoreboard_path(config).unlink()
    board, source, note = results.load_scoreboard(config)
    assert source == "mixed" and "notebook 05b's from your own run" in note
    assert board["systems"]["rag"]["answer_accuracy"] == reference["systems"]["rag"]["answer_accuracy"]


@pytest.mark.parametrize("content, match", [
    ("{", "damaged"),
    ('{"format": 0}', "format 0"),
    ('{"format": 1, "systems": {}}', "must hold the systems"),
])
def test_bad_scoreboard_files(tmp_path, content, match):
    path = tmp_path / "scoreboard.json"
    path.write_text(content)
    with pytest.raises(results.ResultsError, match=match):
        results.read_scoreboard(path)


def test_incomplete_board_is_refused_before_writing(tmp_path):
    board = _board()
    del board["systems"]["base"]["training_seconds"]
    with pytest.raises(results.ResultsError, match="training_seconds"):
        results.save_scoreboard(board, tmp_path / "scoreboard.json")
    assert not (tmp_path / "scoreboard.json").exists()


def test_load_scoreboard_prefers_the_learners_own_run(tmp_path):
    from course_utils.config import get_config

    config = get_config(cache_dir=tmp_path)
    results.save_scoreboard(_board(), results.scoreboard_path(config))
    board, source, note = results.load_scoreboard(config)
    assert source == "measured" and "notebook 05" in note


def test_malformed_system_entry_is_a_results_error(tmp_path):
    path = tmp_path / "scoreboard.json"
    board = {"format": 1, "systems": {name: {m: 0.5 for m in results.METRICS} for name in results.SYSTEMS}}
    board["systems"]["rag"] = [0.5]
    path.write_text(json.dumps(board))
    with pytest.raises(results.ResultsError, match="not a table"):
        results.read_scoreboard(path)
