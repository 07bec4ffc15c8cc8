"""Build the question set (and the changed-facts list) from the fact table and the rendered knowledge base.

One fact group (``fact_id``) holds 2-4 paraphrased questions. Splits are assigned per group (see
``assign_splits``); gold answers, supporting documents and passages come from kb.render_kb, so they are
correct by construction, and tests re-check them against the files.
"""

from __future__ import annotations

import random
import re

import question_bank as qb
from world import FACTS, UNANSWERABLE, changed_keys, value

UNANSWERABLE_VARIANTS = ["not in the knowledge base", "no information", "not mentioned", "I don't know"]

# how many answerable groups go to each tier (the rest are train-only); see README "Splits"
N_UNSEEN, N_SEEN_VAL, N_SEEN_TEST_EXTRA = 10, 20, 28
N_UNANS_TEST, N_UNANS_VAL = 8, 2


def variants_for(answer: str) -> list[str]:
    """Other acceptable spellings of a gold answer, e.g. '149 EUR' -> ['149', '149 euros', '€149', 'EUR 149']."""
    if answer == UNANSWERABLE:
        return UNANSWERABLE_VARIANTS[1:]
    out: list[str] = []
    m = re.fullmatch(r"([\d.,]+) EUR", answer)
    if m:
        n = m.group(1)
        out = [n, f"{n} euros", f"€{n}", f"EUR {n}"]
    m = re.fullmatch(r"(\d+) months", answer)
    if m:
        n = int(m.group(1))
        out = [str(n), f"{n}-month"] + ([f"{n // 12} years"] if n % 12 == 0 else [])
    m = re.fullmatch(r"([\d.,]+) (days|business days|seconds|minutes|hours|metres|litres|degrees|lumens|scenes|presets|"
                     r"devices|valves|cameras|camera|members|access codes|times|kg|g|W|GB|dB|m²|%)", answer)
    if m and not out:
        n, unit = m.groups()
        extra = {"metres": [f"{n} m", f"{n} meters"], "litres": [f"{n} l", f"{n} liters"], "%": [f"{n}%", f"{n} percent"],
                 "m²": [f"{n} square metres", f"{n} sq m"], "degrees": [f"{n}°"], "seconds": [f"{n} s"]}
        out = [n] + extra.get(unit, [])
    m = re.fullmatch(r"(\d+) (\w+) (\d{4})", answer)  # dates such as 14 March 2023
    if m:
        d, mon, y = m.groups()
        out = [f"{mon} {d}, {y}"]
    if answer == "on sale":
        out = ["available", "still sold"]
    if answer == "discontinued":
        out = ["withdrawn", "no longer sold", "no longer available"]
    if answer == "08:00 to 18:00":
        out = ["8:00 to 18:00", "8 am to 6 pm", "08:00-18:00"]
    if answer == "08:00 to 20:00":
        out = ["8:00 to 20:00", "8 am to 8 pm", "08:00-20:00"]
    if answer == "5 to 32 °C":
        out = ["5-32 °C", "5 °C to 32 °C"]
    if answer == "3 to 5 business days":
        out = ["3-5 business days", "3 to 5 days"]
    return [v for v in out if v.lower() != answer.lower()]


def _first_number(text: str) -> float:
    return float(re.search(r"\d+(?:\.\d+)?", text).group(0))


def _fill(template: str, prefix: str | None, rng: random.Random, i: int) -> str:
    if "{p}" not in template:
        return template
    name, aliases = qb.PRODUCTS[prefix]
    subject = name if i % 2 == 0 else rng.choice(aliases)  # half the phrasings use a customer alias
    return re.sub(r"\ba (?=[AEIOU])", "an ", template.replace("{p}", subject))  # "a Ildra" -> "an Ildra"


def _support(where: dict, keys: list[str], extra_docs: dict[str, str] | None = None):
    """(doc ids, passages) for facts `keys`, plus extra docs with the line that holds a given hint."""
    docs: dict[str, list[str]] = {}
    for k in keys:
        for doc_id, lines in where.get(k, {}).items():
            docs.setdefault(doc_id, [])
            docs[doc_id] += [x for x in lines if x not in docs[doc_id]]
    for doc_id, line in (extra_docs or {}).items():
        docs.setdefault(doc_id, []).append(line)
    ids = sorted(docs)
    return ids, [p for d in ids for p in docs[d]]


def fact_groups(seed: int, kbs: dict) -> list[dict]:
    """Every fact group with its phrasings and per-version gold answers. `kbs` = {version: (docs, where)}."""
    rng = random.Random(seed * 7 + 1)
    groups: list[dict] = []

    def add(fact_id, qtype, phrasings, answers, supports):
        g = dict(fact_id=fact_id, type=qtype, phrasings=phrasings)
        for v in ("v1", "v2"):
            ids, passages = supports[v]
            g[v] = dict(answer=answers[v], variants=variants_for(answers[v]), doc_ids=ids, passages=passages)
        g["changed"] = answers["v1"] != answers["v2"]
        groups.append(g)

    for key in FACTS:
        prefix, attr = key.split(".")[0], key.split(".")[-1]
        if key in qb.BANK:
            templates = qb.BANK[key]
        elif attr == "price" and prefix in qb.PRODUCTS:
            templates = rng.sample(qb.PRICE, 4)
        elif attr == "warranty" and prefix in qb.PRODUCTS:
            templates = rng.sample(qb.WARRANTY, 4)
        else:
            raise KeyError(f"no phrasings for fact {key}")
        phrasings = [_fill(t, prefix, rng, i) for i, t in enumerate(templates)]
        answers, supports = {}, {}
        for v in ("v1", "v2"):
            val = value(key, v)
            answers[v] = UNANSWERABLE if val is None else val
            supports[v] = ([], []) if val is None else _support(kbs[v][1], [key])
        qtype = "numeric" if re.search(r"\d", answers["v1"] if answers["v1"] != UNANSWERABLE else answers["v2"]) else "lookup"
        if key in ("k3.part", "k3.firmware", "cl.emergency", "tc.updates", "sp.nightmode_fw", "fh.thread_fw", "ms.ip", "ms.cell", "co.phone", "k3.launch",
                   "co.founded"):
            qtype = "lookup"  # identifiers, versions and dates: digits, but no quantity
        add(key, qtype, phrasings, answers, supports)

    for fact_id, ka, kb_, sense, templates in qb.COMPARISONS:
        pa, pb = ka.split(".")[0], kb_.split(".")[0]
        names = {pa: qb.PRODUCTS[pa][0], pb: qb.PRODUCTS[pb][0]}
        phrasings = [t.format(a=names[pa], b=names[pb]) for t in templates]
        answers, supports = {}, {}
        for v in ("v1", "v2"):
            xa, xb = _first_number(value(ka, v)), _first_number(value(kb_, v))
            if xa == xb:
                raise ValueError(f"comparison {fact_id} is a tie in {v}")
            a_wins = (xa > xb) == (sense == "more")
            answers[v] = names[pa] if a_wins else names[pb]
            supports[v] = _support(kbs[v][1], [ka, kb_])
        add(fact_id, "multi_doc", phrasings, answers, supports)

    for fact_id, key, extra_doc, phrasings in qb.CHAINS:
        answers, supports = {}, {}
        for v in ("v1", "v2"):
            text = kbs[v][0][extra_doc]["text"]
            hint = next(line for line in text.split("\n") if "Fennick Hub is required" in line)
            answers[v] = value(key, v)
            supports[v] = _support(kbs[v][1], [key], {extra_doc: hint})
        add(fact_id, "multi_doc", list(phrasings), answers, supports)

    for fact_id, phrasings in qb.UNANSWERABLE:
        answers = {"v1": UNANSWERABLE, "v2": UNANSWERABLE}
        add(fact_id, "unanswerable", list(phrasings), answers, {"v1": ([], []), "v2": ([], [])})
    return groups


def assign_splits(groups: list[dict], seed: int) -> list[dict]:
    """Turn fact groups into question records with a split each.

    Rule (per fact group, seeded):
    - every changed fact, every multi-document fact and 28 other facts: one phrasing held out to test,
      the rest in train ("seen fact");
    - 20 facts: one phrasing held out to validation, the rest in train;
    - 10 facts ("unseen"): two phrasings in test, the others in validation, none in train;
    - remaining facts: all phrasings in train;
    - unanswerable groups: 8 wholly in test, 2 in validation, 10 in train.
    """
    rng = random.Random(seed * 7 + 2)
    answerable = [g for g in groups if g["type"] != "unanswerable"]
    unans = [g for g in groups if g["type"] == "unanswerable"]
    # changed facts and multi-document facts always get a held-out test phrasing
    priority = [g for g in answerable if g["changed"] or g["type"] == "multi_doc"]
    others = [g for g in answerable if g not in priority]
    rng.shuffle(others)
    tier = {g["fact_id"]: "seen_test" for g in priority}
    for i, g in enumerate(others):
        if i < N_UNSEEN:
            tier[g["fact_id"]] = "unseen"
        elif i < N_UNSEEN + N_SEEN_VAL:
            tier[g["fact_id"]] = "seen_val"
        elif i < N_UNSEEN + N_SEEN_VAL + N_SEEN_TEST_EXTRA:
            tier[g["fact_id"]] = "seen_test"
        else:
            tier[g["fact_id"]] = "train_only"
    order = list(unans)
    rng.shuffle(order)
    for i, g in enumerate(order):
        tier[g["fact_id"]] = "unans_test" if i < N_UNANS_TEST else "unans_val" if i < N_UNANS_TEST + N_UNANS_VAL else "unans_train"

    records = []
    for g in groups:  # original (table) order keeps ids stable and readable
        n = len(g["phrasings"])
        t = tier[g["fact_id"]]
        held = rng.randrange(n)
        if t == "unseen":
            test_idx = set(rng.sample(range(n), 2))
            splits = ["test" if i in test_idx else "validation" for i in range(n)]
        elif t == "seen_test":
            splits = ["test" if i == held else "train" for i in range(n)]
        elif t == "seen_val":
            splits = ["validation" if i == held else "train" for i in range(n)]
        elif t.startswith("unans_"):
            splits = [t.split("_")[1].replace("val", "validation")] * n
        else:
            splits = ["train"] * n
        in_train = "train" in splits
        for phrasing, split in zip(g["phrasings"], splits):
            records.append(dict(
                id=f"q{len(records) + 1:04d}", fact_id=g["fact_id"], question=phrasing,
                answer=g["v1"]["answer"], variants=g["v1"]["variants"],
                answer_v2=g["v2"]["answer"], variants_v2=g["v2"]["variants"],
                doc_ids=g["v1"]["doc_ids"], passages=g["v1"]["passages"],
                doc_ids_v2=g["v2"]["doc_ids"], passages_v2=g["v2"]["passages"],
                type=g["type"], changed=g["changed"], split=split, fact_in_train=in_train,
            ))
    return records


CHANGE_KIND = {
    "price": "price", "annual": "price", "fee": "price", "express": "price", "free": "limit", "tradein": "limit",
    "firmware": "version", "status": "discontinued product", "codes": "limit", "warranty": "limit",
    "battery": "limit", "devices": "limit", "history": "limit", "cameras": "limit", "window": "date/period",
    "days": "date/period", "account": "date/period", "carehead": "name", "updates": "date", "hours": "date/period", "chime": "name",
}


def changed_facts(kbs: dict) -> list[dict]:
    """One record per fact whose value differs between v1 and v2 (the documented knowledge update)."""
    out = []
    for key in changed_keys():
        v1, v2 = value(key, "v1"), value(key, "v2")
        attr = key.split(".")[-1]
        kind = "new product" if v1 is None else CHANGE_KIND.get(attr, "limit")
        out.append(dict(
            fact_id=key, kind=kind, old=v1 if v1 is not None else UNANSWERABLE, new=v2,
            doc_ids_v1=sorted(kbs["v1"][1].get(key, {})), doc_ids_v2=sorted(kbs["v2"][1].get(key, {})),
        ))
    return out
