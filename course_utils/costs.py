"""What each approach costs over the months, and how long one answer takes: a small model fed by measurements.

Every cost is hardware time multiplied by a price per hour. The hardware answers one question at a time, so one
answer costs its latency. Per approach:

    approach            upfront                     every month
    prompting first     nothing                     queries x base latency
    RAG                 index the corpus            queries x RAG latency + re-index the changed documents
    fine-tuning         one training run            queries x fine-tuned latency + retraining runs (per year / 12)
    RAG + fine-tuning   index + one training run    queries x its latency + re-indexing + retraining runs

The unit costs (seconds per answer, per chunk indexed, per training example) come from notebook 05's scoreboard
when it exists (`load_unit_costs`); otherwise from ASSUMED, placeholders you are meant to edit.

    >>> plan = cost_plan(Workload(queries_per_day=1200, price_per_hour=3.6), ASSUMED)
    >>> round(plan.monthly["prompting first"], 2)  # 1200 x 365/12 answers x 1 s x $0.001 per second
    36.5

Left out: people's time, storage and hosting minimums, batching (which makes each answer cheaper), different
hardware for training and serving (one price for both), and testing each retrained model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from numbers import Real
from pathlib import Path

from . import results
from .config import REPO_ROOT, CourseError
from .decision import APPROACHES

DAYS_PER_MONTH = 365 / 12
TRAINED = ("fine-tuning", "RAG + fine-tuning")  # the approaches that pay for training runs
INDEXED = ("RAG", "RAG + fine-tuning")  # the approaches that pay for an index
SYSTEM_ORDER = ("base", "base_structured", "rag", "rag_structured", "fine_tuned", "rag_fine_tuned")  # notebook 05's
SCOREBOARD_SYSTEMS = {"prompting first": "base", "RAG": "rag", "fine-tuning": "fine_tuned", "RAG + fine-tuning": "rag_fine_tuned"}


class CostInputError(CourseError, ValueError):
    """A workload or unit cost is negative, not a number, or out of range; the message names it."""


def _check_number(name: str, value, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise CostInputError(f"{name} must be a number; got {value!r} ({type(value).__name__}).")
    if value < 0:
        raise CostInputError(f"{name} cannot be negative; got {value:g}. Enter 0 or more.")
    if upper is not None and value > upper:
        raise CostInputError(f"{name} must be at most {upper:g}; got {value:g}.")
    return float(value)


@dataclass(frozen=True)
class Workload:
    """What the system must do, and the price of the hardware. Every field is 0 or more."""

    queries_per_day: float = 200  # answers served per day
    updates_per_month: float = 4  # knowledge updates (each re-indexes the documents it changed)
    corpus_docs: float = 1_000  # documents in the knowledge base
    chunks_per_doc: float = 4  # chunks each document is cut into (notebook 06 uses the course's own figure)
    changed_share: float = 0.05  # share of the documents one update changes (0 to 1)
    training_examples: float = 5_000  # examples in one fine-tuning run
    epochs: float = 2  # passes over the training examples in one run
    retrains_per_year: float = 4  # training runs after the first one (new behaviour, new data)
    price_per_hour: float = 1.0  # price of one hour of the hardware, in your currency
    months: int = 24  # how far ahead to add up costs (1 to 120)

    def __post_init__(self):
        for f in fields(self):
            upper = {"changed_share": 1, "months": 120}.get(f.name)
            _check_number(f.name, getattr(self, f.name), upper)
        if isinstance(self.months, float) and not self.months.is_integer() or self.months < 1:
            raise CostInputError(f"months must be a whole number from 1 to 120; got {self.months!r}.")


@dataclass(frozen=True)
class UnitCosts:
    """Seconds of hardware time per unit of work, and where the figures come from."""

    seconds_per_query: dict  # approach -> seconds per answer (median latency)
    index_seconds_per_chunk: float  # embed and index one chunk
    train_seconds_per_example: dict  # "fine-tuning" / "RAG + fine-tuning" -> seconds per example per epoch
    source: str  # "measured" (your notebooks 05 and 05b), "mixed" (one of them), "reference" (the course's run) or "assumed"
    note: str  # one or two sentences saying which, for the reader
    chunk_chars: int = 400  # the chunk size (characters) the indexing time was measured with
    chunk_method: str = "chars"  # how the documents were cut: "chars" (windows) or "markdown" (sections)
    answer_accuracy: dict | None = None  # approach -> share of answers right (notebook 05), for the cost per correct answer

    def __post_init__(self):
        missing = [a for a in APPROACHES if a not in self.seconds_per_query] + [a for a in TRAINED if a not in self.train_seconds_per_example]
        if missing:
            raise CostInputError(f"Unit costs lack the approach(es) {missing}.")
        for a in APPROACHES:
            _check_number(f"seconds per answer ({a})", self.seconds_per_query[a])
        for a in TRAINED:
            _check_number(f"training seconds per example ({a})", self.train_seconds_per_example[a])
        _check_number("indexing seconds per chunk", self.index_seconds_per_chunk)
        for a, share in (self.answer_accuracy or {}).items():
            _check_number(f"answer accuracy ({a})", share, upper=1)


# Placeholders of a plausible order for a 2-core CPU and a 135M model; NOT measurements. Edit them, or run
# notebook 05 and `load_unit_costs` reads your own figures instead.
ASSUMED = UnitCosts(
    seconds_per_query={"prompting first": 1.0, "RAG": 2.0, "fine-tuning": 1.0, "RAG + fine-tuning": 2.0},
    index_seconds_per_chunk=0.02,
    train_seconds_per_example={"fine-tuning": 1.0, "RAG + fine-tuning": 2.0},
    source="assumed",
    note="Placeholders, not measurements: edit them, or run notebook 05 to measure your own.",
)


def months_in_words(month: float) -> str:
    """A span of months for people: "12 days" (or "1 day", "less than a day") below one month, else "3.5 months".

    >>> [months_in_words(m) for m in (0.01, 1 / 30.4, 0.4, 3.5)]
    ['less than a day', '1 day', '12 days', '3.5 months']
    """
    month = _check_number("month", month)
    if month >= 1:
        return f"{month:.1f} months"
    days = round(month * DAYS_PER_MONTH)
    return "less than a day" if days < 1 else "1 day" if days == 1 else f"{days} days"


def break_even(upfront_a: float, monthly_a: float, upfront_b: float, monthly_b: float) -> float | None:
    """The month at which a and b have cost the same in total, or None if that never happens after month 0.

    >>> break_even(100, 10, 0, 30)   # a costs 100 more up front and saves 20 a month: even after 5 months
    5.0
    """
    upfront_a, monthly_a, upfront_b, monthly_b = (
        _check_number(name, value) for name, value in
        (("upfront_a", upfront_a), ("monthly_a", monthly_a), ("upfront_b", upfront_b), ("monthly_b", monthly_b)))
    if monthly_a == monthly_b:
        return 0.0 if upfront_a == upfront_b else None
    month = (upfront_b - upfront_a) / (monthly_a - monthly_b)
    return month if month > 0 else None


@dataclass(frozen=True)
class CostPlan:
    """Upfront and monthly cost of each approach, and the seconds each answer takes.

    `monthly` is `serving` (answering the queries) plus `maintenance` (re-indexing and retraining), the article's
    "ongoing" and "maintenance" rows; `per_answer` is the cost of one answer, `per_correct_answer` that cost divided by
    the share of answers that are right (None where no accuracy is known, inf where none was right).
    """

    upfront: dict
    monthly: dict
    latency_s: dict
    months: int
    serving: dict | None = None
    maintenance: dict | None = None
    per_answer: dict | None = None
    per_correct_answer: dict | None = None

    def table(self):
        """The article's three cost rows (upfront, ongoing, maintenance), per approach, and what one answer costs."""
        import pandas as pd

        rows = {"upfront (index, first training run)": self.upfront, "ongoing, per month (answering)": self.serving,
                "maintenance, per month (re-indexing, retraining)": self.maintenance,
                f"total after {self.months} months": {a: self.cumulative(a, self.months) for a in APPROACHES},
                "per answer": self.per_answer, "per correct answer": self.per_correct_answer}
        return pd.DataFrame({name: {a: (row or {}).get(a) for a in APPROACHES} for name, row in rows.items()}).T

    def cumulative(self, approach: str, month: float) -> float:
        """Total spent on `approach` after `month` months (month 0: the upfront cost)."""
        return self.upfront[approach] + month * self.monthly[approach]

    def break_evens(self) -> list[tuple[str, str, float]]:
        """(dearer up front, cheaper up front, month) for each pair whose totals cross, earliest first."""
        found = []
        for i, a in enumerate(APPROACHES):
            for b in APPROACHES[i + 1:]:
                month = break_even(self.upfront[a], self.monthly[a], self.upfront[b], self.monthly[b])
                if month:
                    dear, cheap = (a, b) if self.upfront[a] > self.upfront[b] else (b, a)
                    found.append((dear, cheap, month))
        return sorted(found, key=lambda t: t[2])

    def cheapest(self, month: float, among=APPROACHES) -> str:
        return min(among, key=lambda a: self.cumulative(a, month))


def per_correct_answer(cost_per_answer: float, share_right: float) -> float:
    """What one *correct* answer costs: the cost of an answer over the share of answers that are right (inf when none
    is right)."""
    return cost_per_answer / share_right if share_right > 0 else math.inf


def cost_plan(workload: Workload, units: UnitCosts) -> CostPlan:
    """Upfront and monthly costs of every approach for this workload (see the table in the module docstring)."""
    w, per_second = workload, workload.price_per_hour / 3600
    index_s = w.corpus_docs * w.chunks_per_doc * units.index_seconds_per_chunk
    reindex_s = w.updates_per_month * w.changed_share * index_s
    queries = w.queries_per_day * DAYS_PER_MONTH
    train_s = {a: w.training_examples * w.epochs * units.train_seconds_per_example[a] for a in TRAINED}
    upfront = {a: (index_s if a in INDEXED else 0) + train_s.get(a, 0) for a in APPROACHES}
    serving = {a: queries * units.seconds_per_query[a] for a in APPROACHES}
    # "RAG + fine-tuning" carries both maintenance streams: re-indexing for its knowledge, retraining for its behaviour
    maintenance = {a: (reindex_s if a in INDEXED else 0) + w.retrains_per_year / 12 * train_s.get(a, 0) for a in APPROACHES}
    money = lambda seconds: {a: s * per_second for a, s in seconds.items()}  # noqa: E731
    per_answer = money(units.seconds_per_query)
    accuracy = units.answer_accuracy or {}
    per_correct = {a: per_correct_answer(per_answer[a], accuracy[a]) if a in accuracy else None for a in APPROACHES}
    return CostPlan(money(upfront), {a: (serving[a] + maintenance[a]) * per_second for a in APPROACHES},
                    dict(units.seconds_per_query), int(w.months), money(serving), money(maintenance), per_answer, per_correct)


def best_systems(systems: dict) -> dict:
    """approach -> the scoreboard system that stands for it: a prompted approach at its best honest configuration, with
    structured decoding where the board has it and it answered more questions right."""
    chosen = dict(SCOREBOARD_SYSTEMS)
    for approach in ("prompting first", "RAG"):
        plain, constrained = SCOREBOARD_SYSTEMS[approach], SCOREBOARD_SYSTEMS[approach] + "_structured"
        row = systems.get(constrained)
        if isinstance(row, dict) and all(isinstance(row.get(k), (int, float)) for k in ("answer_accuracy", "latency_median_s")) \
                and row["answer_accuracy"] > systems[plain]["answer_accuracy"]:
            chosen[approach] = constrained
    return chosen


def unit_costs_from_scoreboard(board: dict, source: str, note: str) -> UnitCosts:
    """Unit costs from notebook 05's scoreboard; a figure the board lacks keeps its ASSUMED value, and the note says so."""
    systems = board["systems"]
    update = board.get("update") if isinstance(board.get("update"), dict) else {}
    settings = board.get("settings") if isinstance(board.get("settings"), dict) else {}
    chosen = best_systems(systems)
    per_query = {a: float(systems[s]["latency_median_s"]) for a, s in chosen.items()}
    assumed = []
    if isinstance(update.get("reindex_seconds"), (int, float)) and update.get("chunks_embedded"):
        per_chunk = update["reindex_seconds"] / update["chunks_embedded"]
    else:
        per_chunk = ASSUMED.index_seconds_per_chunk
        assumed.append("indexing time per chunk")
    per_example = {}
    for a in TRAINED:
        seen = results.examples_seen(settings, SCOREBOARD_SYSTEMS[a])
        seconds = systems[SCOREBOARD_SYSTEMS[a]]["training_seconds"]
        if seen and seconds > 0:
            per_example[a] = seconds / seen
        else:
            per_example[a] = ASSUMED.train_seconds_per_example[a]
            assumed.append(f"training time per example ({a})")
    if assumed:
        note += f" Not in the scoreboard, so assumed (edit them): {', '.join(assumed)}."
    chunk_chars = settings.get("chunk_size")
    chunk_chars = int(chunk_chars) if isinstance(chunk_chars, (int, float)) and chunk_chars > 0 else ASSUMED.chunk_chars
    chunk_method = settings.get("chunk_method")
    chunk_method = chunk_method if chunk_method in ("chars", "markdown") else ASSUMED.chunk_method
    accuracy = {a: float(systems[s]["answer_accuracy"]) for a, s in chosen.items()}
    constrained = [a for a, s in chosen.items() if s.endswith("_structured")]
    if constrained:
        priced = " and ".join(constrained)
        note += (f" {priced[0].upper()}{priced[1:]} priced with structured decoding, their better configuration in "
                 "this scoreboard (more answers right).")
    return UnitCosts(per_query, per_chunk, per_example, source, note, chunk_chars, chunk_method, accuracy)


def systems_table(board: dict, price_per_hour: float = 1.0):
    """Every system of a notebook 05 scoreboard: answers right (n/N, 95 % interval), seconds per answer, and what an
    answer and a *correct* answer cost at `price_per_hour` (a system that answered none right: inf)."""
    import pandas as pd

    price = _check_number("price_per_hour", price_per_hour) / 3600
    rows = {}
    order = [k for k in SYSTEM_ORDER if k in board["systems"]] + [k for k in board["systems"] if k not in SYSTEM_ORDER]
    for key, row in ((k, board["systems"][k]) for k in order):
        n = int(row.get("n_questions", 0))
        share, seconds = float(row["answer_accuracy"]), float(row["latency_median_s"])
        low, high = row.get("answer_accuracy_interval", (math.nan, math.nan))
        rows[row.get("label", key)] = {
            "answers right": f"{round(share * n)}/{n}" if n else f"{share:.3f}",
            "95 % interval": f"{low:.2f}-{high:.2f}" if math.isfinite(low) else "",
            "seconds per answer": round(seconds, 2),
            "cost per answer": seconds * price,
            "cost per correct answer": per_correct_answer(seconds * price, share)}
    return pd.DataFrame(rows).T


def _short_paths(text: str) -> str:
    """Paths in a message, relative to the repository (a note shown in a notebook should not show your folders)."""
    return text.replace(str(REPO_ROOT) + "/", "").replace(str(Path.home()), "~")


def load_measurements(config=None) -> tuple[dict | None, str, str]:
    """(scoreboard, source, note): notebook 05's scoreboard, else the reference one, else (None, "none", why).

    Never raises for a bad results file: a missing, truncated, older or malformed one falls back, and the note says why.
    """
    try:
        board, source, note = results.load_scoreboard(config)
        unit_costs_from_scoreboard(board, source, note)  # the numbers this module reads must be usable too
    except (results.ResultsError, CostInputError, AttributeError, KeyError, TypeError, ZeroDivisionError) as err:
        return None, "none", ("Neither a scoreboard of your own (notebook 05) nor the course's reference figures could be "
                              f"read ({_short_paths(str(err)).rstrip('.')})")
    return board, source, _short_paths(note)


def load_unit_costs(config=None) -> UnitCosts:
    """Unit costs from `load_measurements`, or ASSUMED when there is nothing usable; `.source` and `.note` say which."""
    board, source, note = load_measurements(config)
    if board is None:
        return replace(ASSUMED, note=f"Placeholders, not measurements: edit them. {note}.")
    return unit_costs_from_scoreboard(board, source, note)


def _start_with_rag(base: dict, rag: dict, pct) -> str:
    """Step 1 of the pragmatic path; when prompted RAG wrote no valid JSON, its 0% accuracy says so instead of hiding it."""
    if rag["schema_validity"] > 0 or rag["answer_accuracy"] > 0 or base["answer_accuracy"] > 0:
        return (f"1. **Start with RAG.** No training: answer accuracy went from {pct(base['answer_accuracy'])} (the "
                f"prompted base model) to {pct(rag['answer_accuracy'])}, with {pct(rag['citation_accuracy'])} of "
                f"citations right, at {rag['latency_median_s']:.2f} s per answer (base: {base['latency_median_s']:.2f} s).")
    line = ("1. **Start with RAG.** No training, but here the prompted model wrote no answer in the schema's JSON, with or "
            "without retrieved documents, so both score 0% answer accuracy.")
    in_text_rag, in_text_base = rag.get("answer_in_text"), base.get("answer_in_text")
    if isinstance(in_text_rag, (int, float)) and isinstance(in_text_base, (int, float)):
        line += (f" The documents still brought knowledge: the right value appeared in its free text for "
                 f"{pct(in_text_rag)} of the answerable questions with RAG, {pct(in_text_base)} without.")
    return line + f" An answer took {rag['latency_median_s']:.2f} s (base: {base['latency_median_s']:.2f} s)."


def _intervals_apart(a: dict, b: dict) -> bool | None:
    """Whether the 95 % intervals of two systems' answer accuracy do not overlap (a conservative test; notebook 05 compares
    the systems question by question); None when either lacks its interval."""
    try:
        (low_a, high_a), (low_b, high_b) = a["answer_accuracy_interval"], b["answer_accuracy_interval"]
    except (KeyError, TypeError, ValueError):
        return None
    return low_a > high_b or low_b > high_a


def _structured_step(constrained: dict | None, pct) -> str:
    """What structured decoding closed of that gap, where the scoreboard has RAG + structured decoding."""
    if not isinstance(constrained, dict) or not isinstance(constrained.get("schema_validity"), (int, float)):
        return ""
    return (f" Structured decoding closes the format part without training ({pct(constrained['schema_validity'])} valid), "
            f"but not the reading: {pct(constrained['answer_accuracy'])} of the answers right.")


def pragmatic_path_story(board: dict | None, source: str) -> str:
    """"Start with RAG, add fine-tuning when needed", told in Markdown with a notebook 05 scoreboard's own numbers."""
    if board is None:
        return ("**No scoreboard to read yet.** Run notebook 05: this section then retells the path with your own "
                "numbers (answer accuracy, schema validity, citations, the knowledge update, and what each step cost).")
    s = {name: board["systems"][key] for name, key in SCOREBOARD_SYSTEMS.items()}
    update = board.get("update") if isinstance(board.get("update"), dict) else {}
    pct = lambda x: f"{x:.0%}"  # noqa: E731
    base, rag, ft, both = s["prompting first"], s["RAG"], s["fine-tuning"], s["RAG + fine-tuning"]
    # the fair comparison: prompted RAG at its best (structured decoding, where the board has it and it answered more)
    best_key = best_systems(board["systems"])["RAG"]
    best = board["systems"][best_key]
    best_name = "RAG with structured decoding" if best_key != SCOREBOARD_SYSTEMS["RAG"] else "RAG alone"
    gain = both["answer_accuracy"] - best["answer_accuracy"]
    whose = "your run" if source == "measured" else "the course's reference run"
    lines = [
        f"*Figures from {whose}.*",
        "",
        _start_with_rag(base, rag, pct),
        f"2. **Measure the behaviour gap that remains.** With RAG, {pct(rag['schema_validity'])} of the answers were valid "
        f"JSON for the schema and {pct(rag['abstention'])} of the unanswerable questions were declined."
        + _structured_step(board["systems"].get("rag_structured"), pct),
        f"3. **Add fine-tuning to close it.** RAG + fine-tuned: answer accuracy {pct(both['answer_accuracy'])} "
        f"({'+' if gain >= 0 else '-'}{abs(gain) * 100:.0f} points on {best_name}), schema validity {pct(both['schema_validity'])}, "
        f"citations {pct(both['citation_accuracy'])}; it cost {both['training_seconds']:.0f} s of training and a "
        f"{both['adapter_mb']:.1f} MB adapter.",
    ]
    if isinstance(both.get("after_update"), dict) and isinstance(ft.get("after_update"), dict):
        new_both, new_ft = both["after_update"].get("states_new"), ft["after_update"].get("states_new")
        if isinstance(new_both, (int, float)) and isinstance(new_ft, (int, float)):
            lines.append(f"4. **Keep the knowledge in the index.** After the knowledge update, RAG + fine-tuned stated the new "
                         f"fact for {pct(new_both)} of the changed questions; fine-tuning alone, not retrained, for {pct(new_ft)}.")
    if isinstance(update.get("reindex_seconds"), (int, float)):
        lines.append(f"5. **Updates stay cheap.** Re-indexing took {update['reindex_seconds']:.1f} s, and the fine-tuned reader "
                     "needed no retraining: the new facts came from the index. Only the system without retrieval would "
                     f"have to be trained again to learn them (its training run took {ft['training_seconds']:.0f} s).")
    apart = _intervals_apart(both, best)
    if gain > 0 and apart:
        verdict = f"Here fine-tuning on top of RAG paid off in accuracy: the 95 % intervals of the two ({best_name}) do not overlap."
    elif gain > 0 and apart is None:
        verdict = "Here fine-tuning on top of RAG raised accuracy; this scoreboard has no intervals to say whether beyond its noise."
    elif gain > 0:
        verdict = (f"Here fine-tuning on top of RAG raised accuracy, but within the noise of {both.get('n_questions', 'these')} "
                   "questions (the 95 % intervals overlap): judge it on the behaviour it was meant to fix too.")
    else:
        verdict = ("Here fine-tuning on top of RAG did not raise accuracy: judge it on the behaviour it was meant to fix "
                   "(validity, citations, abstention), and do not add it if those did not move either.")
    return "\n".join(lines + ["", verdict])
