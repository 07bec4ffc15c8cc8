"""course_utils.data returns plain objects and fails with actionable errors on missing or corrupt files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from course_utils import data
from course_utils.config import get_config

DATASETS = Path(__file__).resolve().parent.parent / "datasets"


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """A private copy of the dataset files, safe to break."""
    target = tmp_path / "datasets"
    shutil.copytree(DATASETS, target, ignore=shutil.ignore_patterns("*.py", "builders", "__pycache__", "README.md"))
    return target


def test_loaders_return_tables_and_dicts():
    q = data.load_questions()
    assert isinstance(q, pd.DataFrame) and {"question", "answer", "doc_ids", "split"} <= set(q.columns)
    assert isinstance(q.loc[0, "variants"], list)
    test = data.load_questions(split="test")
    assert set(test["split"]) == {"test"} and len(test) < len(q)
    assert list(test.index) == list(range(len(test)))  # fresh index after filtering
    assert isinstance(data.load_extraction(split="train").loc[0, "record"], dict)
    assert isinstance(data.load_support(split="validation").loc[0, "target"], dict)
    assert set(data.load_style(split="test")["split"]) == {"test"}
    assert {"fact_id", "old", "new"} <= set(data.load_changed_facts().columns)
    assert data.load_schema("extraction")["additionalProperties"] is False
    rules = data.load_style_rules()
    assert rules["sign_off"] and rules["jargon"]


def test_load_kb_parses_front_matter():
    docs = data.load_kb("v1")
    doc = next(d for d in docs if d["id"] == "prod-k3")
    assert doc["title"] == "Brumaline K3 smart kettle" and doc["type"] == "product" and doc["version"] == 1
    assert doc["text"].startswith("# Brumaline K3") and "---" not in doc["text"].split("\n")[0]
    assert [d["id"] for d in docs] == sorted(d["id"] for d in docs)
    v2 = {d["id"]: d for d in data.load_kb("v2")}
    assert v2["prod-k3"]["version"] == 2 and "prod-vessimo" in v2 and "prod-vessimo" not in {d["id"] for d in docs}


def test_unanswerable_constant_matches_data():
    q = data.load_questions()
    assert (q["type"] == "unanswerable").sum() > 0
    assert set(q.loc[q["type"] == "unanswerable", "answer"]) == {data.UNANSWERABLE}


def test_config_and_dir_arguments_point_elsewhere(copy):
    (copy / "style.jsonl").write_text('{"id": "s1", "neutral": "n", "brand": "b", "split": "train"}\n')
    assert len(data.load_style(config=get_config(datasets_dir=copy))) == 1
    assert len(data.load_style(datasets_dir=copy)) == 1


def test_missing_file_names_it_and_how_to_rebuild(copy):
    (copy / "questions.jsonl").unlink()
    with pytest.raises(data.DatasetError) as err:
        data.load_questions(datasets_dir=copy)
    assert "questions.jsonl" in str(err.value) and "python datasets/build.py" in str(err.value)


def test_corrupt_jsonl_points_at_the_line(copy):
    lines = (copy / "extraction.jsonl").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:30]  # truncated line
    (copy / "extraction.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(data.DatasetError, match=r"extraction\.jsonl, line 5, is not valid JSON"):
        data.load_extraction(datasets_dir=copy)


def test_binary_garbage_and_missing_fields(copy):
    (copy / "support.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(data.DatasetError, match="not UTF-8"):
        data.load_support(datasets_dir=copy)
    (copy / "style.jsonl").write_text('{"id": "s1", "split": "train"}\n')
    with pytest.raises(data.DatasetError, match="lacks the field"):
        data.load_style(datasets_dir=copy)
    (copy / "schemas" / "extraction.schema.json").write_text("{not json")
    with pytest.raises(data.DatasetError, match="extraction.schema.json is not valid JSON"):
        data.load_schema("extraction", datasets_dir=copy)


def test_kb_errors(copy):
    (copy / "kb" / "v1" / "prod-k3.md").write_text("# no front matter\n")
    with pytest.raises(data.DatasetError, match="prod-k3.md has no front matter"):
        data.load_kb("v1", datasets_dir=copy)
    shutil.rmtree(copy / "kb" / "v2")
    with pytest.raises(data.DatasetError, match="No documents in .*v2.*python datasets/build.py"):
        data.load_kb("v2", datasets_dir=copy)


def test_unknown_names_are_rejected():
    with pytest.raises(data.DatasetError, match="Unknown split"):
        data.load_questions(split="dev")
    with pytest.raises(data.DatasetError, match="Unknown knowledge-base version"):
        data.load_kb("v3")
    with pytest.raises(data.DatasetError, match="Unknown schema"):
        data.load_schema("support")
    assert issubclass(data.DatasetError, ValueError)
