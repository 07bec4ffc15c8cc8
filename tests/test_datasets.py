"""The committed datasets are exactly what the generator makes, and every gold label is backed by the files.

Runs in a few seconds: the generator is pure Python and writes nothing here (it builds in memory).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest

from course_utils.data import (
    UNANSWERABLE, load_changed_facts, load_extraction, load_kb, load_questions, load_schema, load_style,
    load_style_rules, load_support,
)

DATASETS = Path(__file__).resolve().parent.parent / "datasets"


def _import(name: str):
    spec = importlib.util.spec_from_file_location(f"datasets_{name}", DATASETS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return _import("build")


@pytest.fixture(scope="module")
def generated(build):
    return build.generate()


@pytest.fixture(scope="module")
def questions():
    return load_questions()


@pytest.fixture(scope="module")
def kb_text():
    return {v: {d["id"]: d["text"] for d in load_kb(v)} for v in ("v1", "v2")}


# ---------------------------------------------------------------- generator and manifest

def test_committed_files_match_generator(build, generated):
    assert build.differences(DATASETS, generated) == []


def test_check_reports_a_changed_file(build, generated, tmp_path):
    build.write(tmp_path, generated)
    assert build.differences(tmp_path, generated) == []
    (tmp_path / "questions.jsonl").write_bytes(generated["questions.jsonl"].replace(b"149 EUR", b"150 EUR"))
    (tmp_path / "kb" / "v1" / "stray.md").write_text("not generated")
    problems = build.differences(tmp_path, generated)
    assert "differs: questions.jsonl" in problems
    assert "hash mismatch with manifest: questions.jsonl" in problems
    assert "not generated (stale): kb/v1/stray.md" in problems


def test_generation_does_not_depend_on_hash_seed():
    # str hashing is randomised per process; a set iterated somewhere would change the output
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    result = subprocess.run([sys.executable, str(DATASETS / "build.py"), "--check"], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_different_seed_gives_different_splits(build, generated):
    other = build.generate(seed=7)
    assert other["questions.jsonl"] != generated["questions.jsonl"]
    assert other["kb/v1/prod-k3.md"] == generated["kb/v1/prod-k3.md"]  # the knowledge itself does not depend on the seed


def test_manifest_hashes_every_file():
    manifest = json.loads((DATASETS / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    assert "manifest.json" not in files
    on_disk = {p.relative_to(DATASETS).as_posix() for d in ("kb", "schemas") for p in (DATASETS / d).rglob("*")
               if p.is_file()}
    assert on_disk <= set(files)
    for path, digest in files.items():
        assert hashlib.sha256((DATASETS / path).read_bytes()).hexdigest() == digest, path


def test_files_are_lf_utf8(generated):
    for path, data in generated.items():
        assert b"\r" not in data, path
        data.decode("utf-8")


# ---------------------------------------------------------------- knowledge base

def test_kb_sizes_and_front_matter(kb_text):
    for v in ("v1", "v2"):
        docs = load_kb(v)
        assert 80 <= len(docs) <= 200
        assert all(d["title"] and d["type"] and d["product"] and d["date"] for d in docs)
    lengths = [len(t) for t in kb_text["v1"].values()]
    assert min(lengths) < 300 and max(lengths) > 2000  # short notes and long multi-section pages


def test_v2_differs_only_where_facts_changed(kb_text):
    changed = load_changed_facts()
    assert len(changed) >= 25
    assert set(kb_text["v1"]) <= set(kb_text["v2"])
    allowed = {d for ids in changed["doc_ids_v1"] for d in ids} | {d for ids in changed["doc_ids_v2"] for d in ids}
    differing = {d for d in kb_text["v1"] if kb_text["v1"][d] != kb_text["v2"][d]}
    assert differing and differing <= allowed
    for row in changed.itertuples():
        for d in row.doc_ids_v2:
            assert row.new in kb_text["v2"][d]
        for d in row.doc_ids_v1:
            assert row.old in kb_text["v1"][d] and row.old not in kb_text["v2"].get(d, "")
    kinds = set(changed["kind"])
    assert {"price", "limit", "name", "discontinued product", "new product"} <= kinds


def test_unchanged_documents_are_byte_identical():
    v1, v2 = DATASETS / "kb" / "v1", DATASETS / "kb" / "v2"
    docs = load_kb("v2")
    same = [d["id"] for d in docs if d["version"] == 1]
    assert len(same) > 60
    for doc_id in same:
        assert (v1 / f"{doc_id}.md").read_bytes() == (v2 / f"{doc_id}.md").read_bytes()


# ---------------------------------------------------------------- questions

def test_question_counts(questions):
    assert len(questions) >= 300
    test = questions[questions["split"] == "test"]
    assert 80 <= len(test) <= 120
    assert (test["changed"]).sum() >= 25
    assert set(questions["type"]) == {"lookup", "numeric", "multi_doc", "unanswerable"}
    assert questions.groupby("fact_id").size().min() >= 2


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_gold_answers_are_literally_in_cited_documents(questions, kb_text, version):
    suffix = "" if version == "v1" else "_v2"
    texts = kb_text[version]
    for row in questions.to_dict("records"):
        answer, ids, passages = row["answer" + suffix], row["doc_ids" + suffix], row["passages" + suffix]
        if answer == UNANSWERABLE:
            assert ids == [] and passages == [], row["id"]
            continue
        assert ids, row["id"]
        cited = "\n".join(texts[d] for d in ids)  # KeyError = a cited doc that does not exist
        assert answer.lower() in cited.lower(), (row["id"], version, answer)
        lines = {line for d in ids for line in texts[d].split("\n")}
        for p in passages:
            assert all(line in lines for line in p.split("\n")), (row["id"], p)
        if row["type"] != "multi_doc":
            assert any(answer.lower() in p.lower() for p in passages), row["id"]
        assert answer not in row["variants" + suffix]


def test_changed_flag_matches_answers(questions):
    for row in questions.itertuples():
        assert row.changed == (row.answer != row.answer_v2), row.id
    changed_ids = set(load_changed_facts()["fact_id"])
    fact_changed = questions[~questions["fact_id"].str.startswith(("cmp.", "chain."))]
    assert set(fact_changed.loc[fact_changed["changed"], "fact_id"]) == changed_ids


def test_questions_do_not_give_away_the_answer(questions):
    single = questions[(questions["type"] != "multi_doc") & (questions["answer"] != UNANSWERABLE)]
    for row in single.itertuples():
        assert row.answer.lower() not in row.question.lower(), row.id


def test_lexical_overlap_is_moderate(questions):
    report = _import("report")
    table = report.lexical_overlap_table("v1")
    assert 0.1 < table["overlap_passage"].mean() < 0.5  # paraphrased, yet about the same thing
    assert (table["overlap_passage"] == 1).mean() < 0.05


def test_question_splits_follow_the_rule(questions):
    assert not questions["question"].str.lower().duplicated().any()
    by_fact = questions.groupby("fact_id")["split"].apply(set)
    for fact_id, splits in by_fact.items():
        in_train = "train" in splits
        assert (questions.loc[questions["fact_id"] == fact_id, "fact_in_train"] == in_train).all()
    test = questions[questions["split"] == "test"]
    answerable_test = test[test["type"] != "unanswerable"]
    seen = answerable_test[answerable_test["fact_in_train"]]
    unseen = answerable_test[~answerable_test["fact_in_train"]]
    assert len(seen) >= 50 and len(unseen) >= 10
    assert (seen.groupby("fact_id").size() == 1).all()  # exactly one held-out phrasing per seen fact
    unans = questions[questions["type"] == "unanswerable"].groupby("fact_id")["split"].nunique()
    assert (unans == 1).all()  # unanswerable groups are never split
    changed_test = test[test["changed"]]
    assert changed_test["fact_in_train"].all()  # the update experiment needs facts the model was trained on


# ---------------------------------------------------------------- extraction

def test_extraction_records_follow_schema():
    schema = load_schema("extraction")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    df = load_extraction()
    assert len(df) >= 1200
    for row in df.itertuples():
        errors = list(validator.iter_errors(row.record))
        assert not errors, (row.id, errors[0].message)
    assert not df["message"].str.lower().duplicated().any()
    tags = {t for ts in df["tags"] for t in ts}
    assert {"two_products", "no_order_number", "chatter", "typos", "distractor_number"} <= tags
    for field in ("category", "severity", "action", "sentiment"):
        values = {r[field] for r in df["record"]}
        assert set(schema["properties"][field]["enum"]) == values, field  # every label occurs


def test_extraction_order_numbers_appear_in_messages():
    for row in load_extraction().itertuples():
        number = row.record["order_number"]
        if number is None:
            assert not re.search(r"\bov-\d{5}\b", row.message, re.I), row.id
        else:
            assert number.lower() in row.message.lower(), row.id


def test_extraction_schema_rejects_bad_records():
    validator = jsonschema.Draft202012Validator(load_schema("extraction"))
    good = load_extraction().iloc[0]["record"]
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "order_number": "OV-123"})
    assert not validator.is_valid({**good, "extra": 1})
    assert not validator.is_valid({k: v for k, v in good.items() if k != "sentiment"})


# ---------------------------------------------------------------- support answers

def test_support_targets_follow_schema_and_questions(questions):
    schema = load_schema("support_answer")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    support = load_support()
    assert len(support) == len(questions)
    q = questions.set_index("id")
    for row in support.itertuples():
        for target in (row.target, row.target_v2):
            errors = list(validator.iter_errors(target))
            assert not errors, (row.id, errors[0].message)
        src = q.loc[row.question_id]
        assert row.split == src["split"] and row.question == src["question"]
        assert row.target["answer"] == src["answer"] and row.target["sources"] == src["doc_ids"]
        assert row.target_v2["answer"] == src["answer_v2"] and row.target_v2["sources"] == src["doc_ids_v2"]
    assert not validator.is_valid({"answer": "x", "sources": [], "answerable": True})  # an answer needs a source
    assert not validator.is_valid({"answer": "x", "sources": [], "answerable": False})


# ---------------------------------------------------------------- style

def _style_rule_results(text: str, rules: dict) -> dict[str, bool]:
    body = text.replace(rules["sign_off"], "").strip()
    first = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0]
    return {
        "second_person": bool(re.search(rules["second_person_regex"], first, re.I)),
        "no_jargon": not any(re.search(rf"\b{re.escape(j)}\b", text, re.I) for j in rules["jargon"]),
        "concise": len(body.split()) <= rules["max_words"],
        "sign_off": text.rstrip().endswith(rules["sign_off"]) and text.count(rules["sign_off"]) == 1,
    }


def test_style_pairs_follow_and_break_the_voice_rules():
    rules = load_style_rules()
    df = load_style()
    assert len(df) >= 300
    for row in df.itertuples():
        assert all(_style_rule_results(row.brand, rules).values()), row.id
        neutral = _style_rule_results(row.neutral, rules)
        assert not neutral["sign_off"] and not neutral["no_jargon"], row.id


def test_style_splits_do_not_leak():
    df = load_style()
    assert not df["neutral"].duplicated().any() and not df["brand"].duplicated().any()
    assert (df.groupby("source")["split"].nunique() == 1).all()  # all pairs of one fact share a split
    assert set(df["split"]) == {"train", "validation", "test"}


def test_no_text_in_two_splits():
    for loader, column in ((load_questions, "question"), (load_extraction, "message"), (load_style, "neutral")):
        df = loader()
        splits = defaultdict(set)
        for text, split in zip(df[column].str.lower(), df["split"]):
            splits[text].add(split)
        assert all(len(s) == 1 for s in splits.values()), column


# ---------------------------------------------------------------- datasheet

def test_datasheet_matches_the_data():
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    stats = json.loads((DATASETS / "stats.json").read_text(encoding="utf-8"))
    for name in ("questions", "support", "extraction", "style"):
        s = stats[name]
        assert f"| {name}.jsonl | {s['total']} | {s['train']} | {s['validation']} | {s['test']} |" in readme, name
    for row in load_changed_facts().itertuples():
        assert f"| {row.fact_id} | {row.kind} | {row.old} | {row.new} | {', '.join(row.doc_ids_v2)} |" in readme
    rules = load_style_rules()
    assert rules["sign_off"] in readme and all(j in readme for j in rules["jargon"])
    assert f"{stats['kb']['v1']['documents']} documents in v1, {stats['kb']['v2']['documents']} in v2" in readme
