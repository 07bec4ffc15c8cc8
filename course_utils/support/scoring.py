"""Scoring notebook 05's answers: one row per question (parsed, schema-valid, correct, cited, abstained), the
scoreboard's quality columns, and each system's accuracy taken apart (`gains`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from jsonschema import Draft202012Validator

from ..data import UNANSWERABLE, load_schema
from ..evaluate.answers import answer_correct, normalize_answer
from ..evaluate.generation import parse_json
from .task import STRATA, SupportError, stratum


def _is_abstention(record: dict) -> bool:
    return record.get("answerable") is False or normalize_answer(str(record.get("answer", ""))) == normalize_answer(UNANSWERABLE)


def score(outputs: Sequence[str], task: pd.DataFrame, version: str = "v1", schema: dict | None = None) -> pd.DataFrame:
    """One row per question: parsed, schema-valid, answer correct, citation correct, abstained.

    `version` "v1" scores against `target`, "v2" against `target_v2` (after the knowledge update); for v2 a
    column `states_old` tells whether the answer is still the v1 one. Outputs that are not JSON count as wrong
    (parsed False), never as an error; `answer_in_text` tells whether the gold answer appears anywhere in the
    raw output, to separate "did not know" from "could not format".
    """
    if version not in ("v1", "v2"):
        raise SupportError(f"version must be 'v1' or 'v2', got {version!r}.")
    if len(outputs) != len(task):
        raise SupportError(f"Got {len(outputs)} outputs for {len(task)} questions; pass one output per question.")
    validator = Draft202012Validator(schema or load_schema("support_answer"))
    gold_col, var_col = ("target", "variants") if version == "v1" else ("target_v2", "variants_v2")
    rows = []
    for out, (_, q) in zip(outputs, task.iterrows()):
        gold = q[gold_col]
        record = parse_json(out, lenient=True)
        strict = parse_json(out)  # the schema is checked on the output as a program would read it: no chatty text
        parsed = record is not None
        record = record or {}
        sources = record.get("sources") if isinstance(record.get("sources"), list) else []
        abstained = parsed and _is_abstention(record)
        if gold["answerable"]:
            correct = parsed and not abstained and answer_correct(str(record.get("answer", "")), gold["answer"], q[var_col])
            cited = bool(set(map(str, sources)) & set(gold["sources"]))
        else:
            correct, cited = abstained, None
        row = dict(
            id=q["id"], stratum=q["stratum"] if version == "v1" else stratum(gold, q["fact_in_train"]),
            parsed=parsed, valid=strict is not None and validator.is_valid(strict),
            correct=bool(correct), cited=cited, abstained=bool(abstained), answerable=gold["answerable"],
            answer=str(record.get("answer", ""))[:80] if parsed else out[:80],
            answer_in_text=gold["answerable"] and answer_correct(out, gold["answer"], q[var_col]),
        )
        if version == "v2":
            old = q["target"]
            row["states_old"] = bool(abstained if not old["answerable"] else
                                     parsed and not abstained and answer_correct(str(record.get("answer", "")), old["answer"], q["variants"]))
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(scored: pd.DataFrame) -> dict[str, float]:
    """The scoreboard's quality columns from `score`'s rows (shares between 0 and 1)."""
    if scored.empty:
        raise SupportError("Nothing to summarise: score at least one output.")
    answerable = scored[scored["answerable"]]
    unanswerable = scored[~scored["answerable"]]
    summary = {
        "answer_accuracy": float(scored["correct"].mean()),
        "answerable_accuracy": float(answerable["correct"].mean()) if len(answerable) else float("nan"),
        "citation_accuracy": float(answerable["cited"].astype(bool).mean()) if len(answerable) else float("nan"),
        "schema_validity": float(scored["valid"].mean()),
        "json_parse_rate": float(scored["parsed"].mean()),
        "abstention": float(unanswerable["abstained"].mean()) if len(unanswerable) else float("nan"),
        "false_abstention": float(answerable["abstained"].mean()) if len(answerable) else float("nan"),
        "answer_in_text": float(answerable["answer_in_text"].mean()) if len(answerable) else float("nan"),
    }
    return summary


def by_stratum(scored: pd.DataFrame) -> dict[str, float]:
    """Answer accuracy per stratum (seen fact / unseen fact / unanswerable)."""
    groups = scored.groupby("stratum")["correct"].mean()
    return {s: float(groups[s]) for s in STRATA if s in groups}


GAINS = ("format", "knowledge", "reading", "citation", "abstention", "after update: new", "after update: old")


def gold_shown(hits_per_question: Sequence[Sequence], task: pd.DataFrame) -> list[bool]:
    """For each question, whether a gold document is among its retrieved chunks (False for unanswerable ones)."""
    if len(hits_per_question) != len(task):
        raise SupportError(f"Got retrieved chunks for {len(hits_per_question)} questions and {len(task)} questions; "
                           "retrieve once per question (kb.retrieve_batch) in the task's order.")
    return [bool(t["answerable"]) and bool({h.doc_id for h in hs} & set(t["sources"]))
            for hs, t in zip(hits_per_question, task["target"])]


def gains(scored: pd.DataFrame, after: pd.DataFrame | None = None, shown: Sequence[bool] | None = None) -> dict:
    """One system's answer accuracy taken apart (the keys of GAINS), each a share between 0 and 1 or NaN:

    - format: schema-valid outputs; knowledge: answerable questions whose gold answer is anywhere in the output, JSON
      or not; reading: answerable questions answered right when a gold document was in the prompt (`shown`, from
      gold_shown; NaN for a system without retrieval); citation: answerable questions citing a gold document;
      abstention: unanswerable questions refused;
    - after update: new / old: the changed questions (`after`, scored with version="v2") stating the v2 / v1 value.
    """
    summary = summarize(scored)
    reading = float("nan")
    if shown is not None:
        shown = np.asarray(shown, dtype=bool)
        if len(shown) != len(scored):
            raise SupportError(f"`shown` has {len(shown)} entries for {len(scored)} scored questions; "
                               "pass gold_shown(hits, task) for the same questions.")
        reading = float(scored.loc[shown, "correct"].mean()) if shown.any() else float("nan")
    new_old = (float(after["correct"].mean()), float(after["states_old"].mean())) if after is not None else (float("nan"),) * 2
    values = (summary["schema_validity"], summary["answer_in_text"], reading, summary["citation_accuracy"],
              summary["abstention"], *new_old)
    return dict(zip(GAINS, values))


