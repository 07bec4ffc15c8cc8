"""Prompting, RAG, fine-tuning or both? The course's decision model, as plain Python you can read and test.

Every criterion of the article's decision matrix, plus the other ones it names, is one setting with a documented
range. Each criterion belongs to one of three groups, and acts only through its group:

- **knowledge** criteria (facts that change, must be cited, are many, must be right) push the knowledge score,
  toward RAG;
- **behaviour** criteria (a strict format, a voice or a skill, a tight latency budget) push the behaviour score,
  toward fine-tuning;
- **feasibility** criteria (training examples, how soon it must ship, the budget) push neither: they decide whether
  fine-tuning can be part of what you build *now*, or must wait ("start with RAG now; add fine-tuning when you have
  the examples").

A score that reaches THRESHOLD switches its half on, so the four answers come from two yes/no questions:

    knowledge?  behaviour?   answer
       no          no        prompting first
       yes         no        RAG
       no          yes       fine-tuning            (when feasible now; else prompting first, fine-tuning later)
       yes         yes       RAG + fine-tuning      (when feasible now; else RAG, fine-tuning later)

Where a fixed template or a strict schema is needed and no fine-tuning comes now, the answer adds **structured
decoding** (notebook 05): it makes the format valid without training, and leaves reading, citing and tone undone.

    >>> recommend(knowledge_freshness=4, citations=2).approach
    'RAG'
    >>> recommend(preset("structured extraction")).approach
    'fine-tuning'
    >>> recommend(preset("structured extraction"), training_examples=0).headline
    'prompting first + structured decoding'

The weights are set by hand from the article's argument and the course's measurements, not fitted to data
(`EVIDENCE` says what each criterion rests on; notebook 06 shows it with the figures of the course's runs); the
model knows nothing of your team's skills, vendors or regulations. Costs are in `course_utils.costs`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Mapping

from .config import CourseError

THRESHOLD = 1.5  # a score at or above this switches its half (RAG, fine-tuning) on
MIN_EXAMPLES = 100  # below this many training examples, never fine-tune
ENOUGH_EXAMPLES = 1000  # the article's "~1,000+ quality examples"
APPROACHES = ("prompting first", "RAG", "fine-tuning", "RAG + fine-tuning")
GROUPS = ("knowledge", "behaviour", "feasibility")
STRUCTURED_FORMAT = 2  # output_format at or above this (a fixed template, a strict schema): structured decoding can hold it


class DecisionInputError(CourseError, ValueError):
    """A setting is unknown, of the wrong type or out of range; the message says what is allowed."""


class UnknownCriterionError(DecisionInputError):
    """A criterion name that the model does not know."""


class UnknownPresetError(DecisionInputError):
    """A use-case name that is not one of USE_CASES."""


@dataclass(frozen=True)
class Criterion:
    """One input of the model. `points` maps a value to its push on the two scores.

    A "level" criterion takes exactly one of the points' values (0, 1, 2...). An "amount" criterion takes any number
    from `minimum` to `maximum`; its pushes are interpolated between points on a log scale (log10(1 + value)) and
    stay flat past the last point.
    """

    name: str  # the keyword of recommend()
    label: str  # short name for tables and sliders
    group: str  # "knowledge", "behaviour" or "feasibility" (GROUPS): the only way it acts
    kind: str  # "level" or "amount"
    points: tuple[tuple[float, float, float, str], ...]  # (value, knowledge push, behaviour push, how it reads)
    default: float  # the setting when not given
    toward_rag: str  # why, when this setting pushes toward RAG ({value} is replaced by how it reads)
    toward_ft: str  # why, when it pushes toward fine-tuning
    minimum: float = 0  # amounts only
    maximum: float = 0  # amounts only
    unit: str = ""  # amounts only, for messages

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(p[0] for p in self.points)

    def describe(self, value: float) -> str:
        """How a value reads: the point's label, or the number with its unit."""
        for v, _, _, text in self.points:
            if v == value:
                return text
        return f"{value:,.0f} {self.unit}" if value >= 10 else f"{value:g} {self.unit}"

    def pushes(self, value: float) -> tuple[float, float]:
        """(knowledge push, behaviour push) at `value` (assumed valid)."""
        if self.kind == "level":
            _, rag, ft, _ = self.points[self.values.index(value)]
            return rag, ft
        x = math.log10(1 + value)
        for (v0, r0, f0, _), (v1, r1, f1, _) in zip(self.points, self.points[1:]):
            x0, x1 = math.log10(1 + v0), math.log10(1 + v1)
            if x <= x1:
                t = max(0.0, (x - x0) / (x1 - x0))
                return r0 + t * (r1 - r0), f0 + t * (f1 - f0)
        return self.points[-1][1], self.points[-1][2]


CRITERIA: dict[str, Criterion] = {c.name: c for c in (
    # --- the article's decision matrix ---
    Criterion("knowledge_freshness", "Facts change", "knowledge", "level",
              ((0, 0, 0, "rarely"), (1, 0.5, 0, "yearly"), (2, 1.0, 0, "quarterly"),
               (3, 1.5, 0, "monthly"), (4, 2.0, 0, "weekly or faster")), default=0,
              toward_rag="facts change {value}: RAG re-indexes in minutes, a fine-tuned model is stale until retrained",
              toward_ft=""),
    Criterion("training_examples", "Training examples", "feasibility", "amount",
              ((0, 0, 0, "no examples"), (MIN_EXAMPLES, 0, 0, "100 examples"),
               (ENOUGH_EXAMPLES, 0, 0, "1,000 examples"), (10_000, 0, 0, "10,000 examples")), default=0, minimum=0, maximum=1e9, unit="examples",
              toward_rag="", toward_ft=""),
    Criterion("output_format", "Output format", "behaviour", "level",
              ((0, 0, 0, "free text"), (1, 0, 0.5, "a light structure"), (2, 0, 1.25, "a fixed template"),
               (3, 0, 2.0, "a strict schema, always")), default=0,
              toward_rag="", toward_ft="output must follow {value}: prompting alone does not hold a format reliably"),
    Criterion("deployment_speed", "Must ship", "feasibility", "level",
              ((0, 0, 0, "in months"), (1, 0, 0, "in weeks"), (2, 0, 0, "in days"), (3, 0, 0, "now")), default=0,
              toward_rag="", toward_ft=""),
    Criterion("behaviour_change", "Behaviour change", "behaviour", "level",
              ((0, 0, 0, "none"), (1, 0, 0.5, "a light touch"), (2, 0, 1.5, "a tone or voice"),
               (3, 0, 2.0, "a domain skill"), (4, 0, 2.5, "a new task")), default=0,
              toward_rag="", toward_ft="needs {value}: behaviour lives in the weights, documents in a prompt do not change it"),
    # --- the other criteria the article names ---
    Criterion("citations", "Citations", "knowledge", "level",
              ((0, 0, 0, "not needed"), (1, 0.75, 0, "nice to have"), (2, 1.75, 0, "required")), default=0,
              toward_rag="citations {value}: retrieved chunks come with their sources, weights have none", toward_ft=""),
    Criterion("knowledge_base_docs", "Knowledge base", "knowledge", "amount",
              ((0, -1.5, 0, "no documents"), (30, 0, 0, "30 documents"), (1_000, 1.5, 0, "1,000 documents"),
               (100_000, 2.0, 0, "100,000 documents"), (1_000_000, 2.25, 0, "1,000,000 documents")),
              default=30, minimum=0, maximum=1e12, unit="documents",
              toward_rag="{value}: too many for one prompt, and more than weights hold reliably: retrieve them",
              toward_ft="{value} to look things up in: nothing for retrieval to find"),  # away from RAG (a negative push)
    Criterion("grounding", "Accuracy stakes", "knowledge", "level",
              ((0, 0, 0, "low"), (1, 0.25, 0, "normal"), (2, 1.0, 0, "high"), (3, 1.5, 0, "critical")), default=0,
              toward_rag="{value} stakes on facts: answers grounded in retrieved text hallucinate less", toward_ft=""),
    Criterion("latency_budget_s", "Latency budget", "behaviour", "amount",
              ((0.2, 0, 1.5, "0.2 s"), (0.5, 0, 1.0, "0.5 s"), (1, 0, 0.5, "1 s"), (2, 0, 0.25, "2 s"),
               (5, 0, 0, "5 s")), default=5, minimum=0.2, maximum=3600, unit="s",
              toward_rag="",
              toward_ft="{value} per answer: one pass with a short prompt is faster than retrieval plus a long prompt"),
    Criterion("budget", "Budget", "feasibility", "level",
              ((0, 0, 0, "shoestring"), (1, 0, 0, "modest"), (2, 0, 0, "comfortable"), (3, 0, 0, "generous")),
              default=2, toward_rag="", toward_ft=""),
)}

# What holds fine-tuning back although the behaviour score asks for it: (criterion, the test, why, and what to do).
# "until" reads after "add fine-tuning ": the step that lifts the hold.
HOLDS = (
    ("training_examples", lambda v: v < MIN_EXAMPLES,
     "fewer than {min} training examples ({value}): fine-tuning is ruled out until you have them",
     "once you have collected at least {min} good examples (the article asks for ~{enough})"),
    ("budget", lambda v: v == 0,
     "a {value} budget: no training runs for now; prompting and RAG spend no training compute",
     "when the budget allows a training run and its retraining"),
    ("deployment_speed", lambda v: v >= 2,
     "must ship {value}: ship without training first; collecting, training and checking examples takes longer",
     "in the next release, once the first one has shown which behaviour gap remains"),
)

DEFAULTS: dict[str, float] = {c.name: c.default for c in CRITERIA.values()}


def _unknown(name: str, known, kind: str, kinds: str, error: type[DecisionInputError]) -> DecisionInputError:
    close = difflib.get_close_matches(str(name), list(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return error(f"Unknown {kind} {name!r}.{hint} Known {kinds}: {', '.join(known)}.")


def check_setting(name: str, value: Any) -> float:
    """Return `value` if it is allowed for criterion `name`; raise DecisionInputError saying what is allowed."""
    if name not in CRITERIA:
        raise _unknown(name, CRITERIA, "criterion", "criteria", UnknownCriterionError)
    c = CRITERIA[name]
    if c.kind == "level":
        allowed = ", ".join(f"{v} = {text}" for v, _, _, text in c.points)
        if isinstance(value, bool) or not isinstance(value, Integral) or value not in c.values:
            raise DecisionInputError(f"{name} must be a whole number, one of: {allowed}; got {value!r} ({type(value).__name__}).")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise DecisionInputError(f"{name} must be a number of {c.unit} from {c.minimum:g} to {c.maximum:g}; got {value!r} ({type(value).__name__}).")
    if not c.minimum <= value <= c.maximum:
        raise DecisionInputError(f"{name} must be from {c.minimum:g} to {c.maximum:g} {c.unit}; got {value:g}.")
    return float(value)


def check_settings(settings: Mapping[str, Any] | None = None, **criteria: Any) -> dict[str, float]:
    """Every criterion's value: the defaults, overridden by `settings`, then by keywords; each one checked."""
    if settings is not None and not isinstance(settings, Mapping):
        raise DecisionInputError(f"Settings must be a dict of criterion name -> value; got {type(settings).__name__}.")
    merged = {**DEFAULTS, **(settings or {}), **criteria}
    return {name: check_setting(name, value) for name, value in merged.items()}


@dataclass(frozen=True)
class Contribution:
    """How one criterion pushed: on the knowledge score (toward RAG) and the behaviour score (toward fine-tuning)."""

    name: str
    label: str
    value: str  # how the setting reads, e.g. "monthly"
    knowledge: float
    behaviour: float
    reason: str  # empty when it does not push


@dataclass(frozen=True)
class Recommendation:
    """What `recommend` returns: the approach and everything that explains it."""

    approach: str  # one of APPROACHES: what to build now
    knowledge_score: float
    behaviour_score: float
    confidence: float  # 0.5 (a coin flip: a score sits on the threshold) to 0.95
    contributions: tuple[Contribution, ...]  # one per criterion, in CRITERIA order
    reasons: tuple[str, ...]  # the pushes and the holds in words, strongest first
    path: tuple[str, ...]  # what to do, in order (the pragmatic path)
    would_change: tuple[str, ...]  # the smallest single changes that give another answer
    settings: dict
    structured_decoding: bool = False  # constrain the prompted model's output to the format (no training)
    fine_tuning_later: str = ""  # when a behaviour need waits for fine-tuning: the step that lifts the hold

    @property
    def uses_rag(self) -> bool:
        return "RAG" in self.approach

    @property
    def uses_fine_tuning(self) -> bool:
        return "fine-tuning" in self.approach

    @property
    def headline(self) -> str:
        """The approach, with structured decoding where it is part of the answer: "RAG + structured decoding"."""
        return self.approach + (" + structured decoding" if self.structured_decoding else "")

    @property
    def confidence_label(self) -> str:
        return "low" if self.confidence < 0.65 else "medium" if self.confidence < 0.8 else "high"

    def summary(self) -> str:
        later = "; fine-tuning later" if self.fine_tuning_later else ""
        return (f"{self.headline}{later} (knowledge {self.knowledge_score:+.2f}, behaviour {self.behaviour_score:+.2f}, "
                f"confidence {self.confidence_label} {self.confidence:.2f})")


def _scores(settings: dict[str, float]) -> tuple[float, float, list[Contribution]]:
    contributions = []
    for name, c in CRITERIA.items():
        rag, ft = c.pushes(settings[name])
        text = c.toward_rag if rag - ft > 0 else c.toward_ft if rag - ft < 0 else ""
        reason = text.format(value=c.describe(settings[name])) if text else ""
        contributions.append(Contribution(name, c.label, c.describe(settings[name]), round(rag, 3), round(ft, 3), reason))
    return sum(c.knowledge for c in contributions), sum(c.behaviour for c in contributions), contributions

# How a table or a chart names each hold, in a few words.
HOLD_LABELS = {"training_examples": f"fewer than {MIN_EXAMPLES} examples", "budget": "a shoestring budget",
               "deployment_speed": "must ship in days or sooner"}


def holds(settings: Mapping[str, Any] | None = None, **criteria: Any) -> list[tuple[str, str, str]]:
    """The feasibility criteria that keep fine-tuning out of what to build now: (criterion, why, until when).

    >>> [name for name, _, _ in holds(training_examples=20, deployment_speed=3)]
    ['training_examples', 'deployment_speed']
    """
    return _holds(check_settings(settings, **criteria))


def _holds(s: dict[str, float]) -> list[tuple[str, str, str]]:
    """`holds` for settings that check_settings has already checked."""
    words = dict(min=f"{MIN_EXAMPLES:,}", enough=f"{ENOUGH_EXAMPLES:,}")
    return [(name, why.format(value=CRITERIA[name].describe(s[name]), **words), until.format(**words))
            for name, held, why, until in HOLDS if held(s[name])]


def _approach(knowledge: float, behaviour: float, held: bool) -> str:
    rag = knowledge >= THRESHOLD
    ft = behaviour >= THRESHOLD and not held
    return APPROACHES[int(rag) + 2 * int(ft)]


def decide(settings: Mapping[str, Any] | None = None, **criteria: Any) -> str:
    """Only the approach (no reasons): the fast path that `recommend` and the tests use."""
    s = check_settings(settings, **criteria)
    knowledge, behaviour, _ = _scores(s)
    return _approach(knowledge, behaviour, bool(_holds(s)))


def _candidates(c: Criterion, value: float) -> list[float]:
    """Other values to try for one criterion, nearest first (on the log scale for amounts)."""
    scale = (lambda v: v) if c.kind == "level" else (lambda v: math.log10(1 + v))
    return sorted((v for v in c.values if v != value), key=lambda v: abs(scale(v) - scale(value)))


def _would_change(settings: dict[str, float], approach: str, knowledge: float, behaviour: float) -> list[str]:
    changes = []
    for name, c in CRITERIA.items():
        for v in _candidates(c, settings[name]):
            other = decide({**settings, name: v})
            if other != approach:
                changes.append(f"{c.label}: {c.describe(v)} -> {other}")
                break
    if not changes:
        changes.append(f"No single change gives another answer: the knowledge score is {knowledge - THRESHOLD:+.2f} and the "
                       f"behaviour score {behaviour - THRESHOLD:+.2f} from the threshold; it takes several changes together.")
    return changes


STRUCTURED_STEP = ("Constrain decoding to the format (structured decoding, notebook 05): every answer then parses, with "
                   "no training; it does not teach the model to read, cite or abstain.")


def _path(approach: str, behaviour: float, structured: bool, later: str) -> list[str]:
    if approach == "RAG + fine-tuning":
        return ["Build RAG first: it brings the knowledge and ships without training.",
                "Measure the behaviour gap RAG leaves (format validity, tone, how well the model reads its sources).",
                "Fine-tune a LoRA adapter on (question + retrieved context -> answer); keep the knowledge in the index."]
    if approach == "fine-tuning":
        return ["Check that a system prompt with a few examples cannot hold the behaviour.",
                "Fine-tune a LoRA adapter on your examples; keep a held-out set to measure it (notebook 03).",
                "Plan retraining: the knowledge in the weights does not change until you train again."]
    if approach == "RAG":
        steps = ["Index the documents and retrieve the top chunks for each question (notebooks 01-02).",
                 "Measure answers and citations on your own questions before anything else."]
    else:
        steps = ["Start with a clear system prompt and a few worked examples; measure what fails."]
    if structured:
        steps.append(STRUCTURED_STEP)
    if later:
        steps.append(f"Add fine-tuning {later}: the behaviour need is there (notebooks 03 and 05).")
    elif approach == "RAG" and behaviour >= THRESHOLD / 2:
        steps.append("Some behaviour need remains: if RAG leaves a gap in format or tone, add fine-tuning (the pragmatic path).")
    if approach == "prompting first":
        steps.append("Add RAG as soon as answers need facts the model cannot know.")
    return steps


def recommend(settings: Mapping[str, Any] | None = None, **criteria: Any) -> Recommendation:
    """Recommend an approach for the given settings (a dict, keywords, or both; missing criteria take DEFAULTS).

    >>> r = recommend(output_format=3, training_examples=5000)   # a strict format alone: just past the threshold
    >>> r.approach, r.confidence_label
    ('fine-tuning', 'low')
    """
    s = check_settings(settings, **criteria)
    knowledge, behaviour, contributions = _scores(s)
    held = _holds(s)
    approach = _approach(knowledge, behaviour, bool(held))
    margins = [abs(knowledge - THRESHOLD)]
    if not held:  # while fine-tuning is held back, the behaviour score cannot tip the answer
        margins.append(abs(behaviour - THRESHOLD))
    confidence = round(min(0.95, 0.5 + min(margins) / 4), 2)
    rag_on, ft_on = approach in ("RAG", "RAG + fine-tuning"), approach in ("fine-tuning", "RAG + fine-tuning")
    waiting = behaviour >= THRESHOLD and bool(held)  # a behaviour need that fine-tuning cannot meet now
    structured = not ft_on and s["output_format"] >= STRUCTURED_FORMAT

    def group(c: Contribution) -> int:  # 0: pushes a half that is on, 1: holds a half off or waits, 2: pushes against
        if (rag_on and c.knowledge > 0) or (ft_on and c.behaviour > 0):
            return 0
        return 1 if (not rag_on and c.knowledge < 0) or (not ft_on and c.behaviour < 0) or (waiting and c.behaviour > 0) else 2

    ranked = sorted((c for c in contributions if c.reason), key=lambda c: (group(c), -(abs(c.knowledge) + abs(c.behaviour))))
    reasons = [("but " if group(c) == 2 else "") + c.reason for c in ranked]
    later = ""
    if waiting:
        reasons[:0] = [f"a behaviour need, but {why}" for _, why, _ in held]
        later = " and ".join(until for _, _, until in held)
    if structured:
        reasons.insert(len(held) if waiting else 0, f"output must follow {CRITERIA['output_format'].describe(s['output_format'])}, "
                       "and no fine-tuning now: structured decoding makes every answer parse, with no training")
    return Recommendation(approach, round(knowledge, 3), round(behaviour, 3), confidence, tuple(contributions),
                          tuple(reasons), tuple(_path(approach, behaviour, structured, later)),
                          tuple(_would_change(s, approach, knowledge, behaviour)), s, structured, later)


@dataclass(frozen=True)
class UseCase:
    """One of the article's use cases, as settings, with the answer the article gives."""

    name: str
    article_says: str  # one of APPROACHES
    description: str
    settings: dict


USE_CASES: dict[str, UseCase] = {u.name: u for u in (
    UseCase("customer support bot", "RAG", "answers about products, prices and policies that change every month",
            dict(knowledge_freshness=3, knowledge_base_docs=1_000, citations=1, grounding=2, output_format=1,
                 behaviour_change=1, deployment_speed=2, latency_budget_s=2, budget=1)),
    UseCase("document Q&A", "RAG", "questions over a set of reports and manuals, with the passage quoted",
            dict(knowledge_freshness=2, knowledge_base_docs=1_000, citations=2, grounding=2, deployment_speed=1)),
    UseCase("knowledge-base search", "RAG", "find and summarise the right internal page among many",
            dict(knowledge_freshness=3, knowledge_base_docs=100_000, citations=1, grounding=1, latency_budget_s=2)),
    UseCase("legal research", "RAG", "case law and regulations, every claim traced to its source",
            dict(knowledge_freshness=2, knowledge_base_docs=1_000_000, citations=2, grounding=3, budget=3)),
    UseCase("code generation", "fine-tuning", "code in the house style and conventions, from a short request",
            dict(behaviour_change=3, output_format=2, training_examples=100_000, knowledge_base_docs=0,
                 latency_budget_s=1, budget=2)),
    UseCase("clinical note summarisation", "fine-tuning", "the note is in the input; the skill is a faithful summary in a set template",
            dict(behaviour_change=3, output_format=2, training_examples=10_000, knowledge_base_docs=0, grounding=2,
                 budget=2)),
    UseCase("structured extraction", "fine-tuning", "customer messages to JSON records with a fixed schema",
            dict(output_format=3, behaviour_change=1, training_examples=1_000, knowledge_base_docs=0,
                 latency_budget_s=1, budget=1)),
    UseCase("medical assistant", "RAG + fine-tuning", "current clinical guidance, cited, in a careful clinical manner",
            dict(knowledge_freshness=3, knowledge_base_docs=100_000, citations=2, grounding=3, behaviour_change=3,
                 output_format=2, training_examples=10_000, budget=3)),
)}


# The article's decision matrix, one need at a time, on top of DEFAULTS: (need, settings, the article's answer).
MATRIX_ROWS: tuple[tuple[str, dict, str], ...] = (
    ("knowledge changes often", dict(knowledge_freshness=4), "RAG"),
    ("answers must cite their sources", dict(citations=2), "RAG"),
    ("a large knowledge base", dict(knowledge_base_docs=1_000_000), "RAG"),
    ("accuracy and grounding matter", dict(grounding=3), "RAG"),
    ("start quickly, with documents to use", dict(deployment_speed=3, knowledge_base_docs=1_000), "RAG"),
    ("a strict output format (always JSON)", dict(output_format=3, training_examples=5_000), "fine-tuning"),
    ("a tone or style", dict(behaviour_change=2, training_examples=5_000), "fine-tuning"),
    ("a domain task skill (small model beats a big one)", dict(behaviour_change=3, training_examples=5_000), "fine-tuning"),
    ("lower latency, shorter prompts", dict(latency_budget_s=0.2, training_examples=5_000), "fine-tuning"),
    ("behaviour to change, but no training data", dict(behaviour_change=4, training_examples=0), "prompting first"),
    ("training data, but nothing to change", dict(training_examples=100_000), "prompting first"),
    ("current facts and a strict behaviour", dict(knowledge_freshness=4, output_format=3, behaviour_change=2,
                                                   training_examples=5_000), "RAG + fine-tuning"),
)


def preset(name: str) -> dict[str, float]:
    """All settings of one of the article's use cases or of the course's own cases (COURSE_CASES, defined below),
    DEFAULTS for what it does not set, ready for `recommend`."""
    cases = {**USE_CASES, **COURSE_CASES}
    if name not in cases:
        raise _unknown(name, cases, "use case", "use cases", UnknownPresetError)
    return check_settings(cases[name].settings)


# --- what each criterion rests on ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What one criterion's weights rest on: the article's line, and what the course measured.

    `measured` and `disagrees` are templates: ``{03:schema validity, LoRA:%}`` stands for the figure "schema validity,
    LoRA" of notebook 03, shown as a percentage ("%"), in seconds ("s") or as a plain number ("n"). `render` fills them
    in from the figures of your runs or the course's reference run (`course_utils.results.course_figures`).
    """

    criterion: str
    article: str  # the article's line this criterion comes from
    measured: str  # what the course measured, as a template ("" where the course did not measure it)
    disagrees: str = ""  # where a measurement of the course disagrees with the article, as a template


EVIDENCE: dict[str, Evidence] = {e.criterion: e for e in (
    Evidence("knowledge_freshness", "Knowledge updates: RAG updates the knowledge base, fine-tuning requires retraining.",
             "after a knowledge update, the RAG + fine-tuned reader stated the new value for "
             "{05b:rag_fine_tuned / after update / states_new:%} of the changed questions, with no retraining; the fine-tuned "
             "system without retrieval for {05b:fine_tuned / after update / states_new:%} (the old one for "
             "{05b:fine_tuned / after update / states_old:%}); facts trained into weights (04) kept the old value for "
             "{04:after the update, fine-tuned on facts + paraphrases states the OLD fact:%}"),
    Evidence("citations", "Source attribution: RAG can cite its sources, fine-tuning cannot.",
             "RAG + fine-tuned cited a gold document for {05:rag_fine_tuned / citation_accuracy:%} of the answerable "
             "questions; the system without retrieval wrote ids from memory, and {05:fine_tuned / citation_accuracy:%} "
             "happened to be gold ones: no evidence the answer came from them"),
    Evidence("knowledge_base_docs", "A large knowledge base: RAG; the model cannot hold it all, a prompt cannot either.",
             "retrieval found a gold document in the top 5 for {02:recall@5, dense:%} of the questions (02); fine-tuning "
             "on facts answered {04:unseen facts, fine-tuned on facts:%} of the facts it was not trained on, RAG "
             "{04:unseen facts, RAG:%}"),
    Evidence("grounding", "Accuracy and grounding: RAG reduces hallucination with answers grounded in sources.",
             "with retrieved documents the model answered {02:RAG correct (answerable):%} of the answerable questions "
             "right, closed book {02:closed book correct (answerable):%} (02)"),
    Evidence("output_format", "A strict output format (always JSON): fine-tuning.",
             "LoRA on 03's extraction task: schema validity {03:schema validity, LoRA:%}, against "
             "{03:schema validity, base few-shot:%} for the prompted model with examples; structured decoding (05) made "
             "{05:rag_structured / schema_validity:%} of prompted RAG's answers valid with no training",
             "structured decoding holds a format with no training, so a format alone does not call for fine-tuning; "
             "what the format holds (reading, citing, abstaining) is learned: the fine-tuned reader answered "
             "{05:rag_fine_tuned / answer_accuracy:%} of the questions right, constrained prompted RAG "
             "{05:rag_structured / answer_accuracy:%}"),
    Evidence("behaviour_change", "Tone, style or a domain skill: fine-tuning; behaviour lives in the weights.",
             "LoRA met every brand-voice rule in {03:brand voice, all rules met, LoRA:%} of the answers, the prompted "
             "model with the rules spelled out in {03:brand voice, all rules met, base with rules:%} (03)"),
    Evidence("latency_budget_s", "Lower latency: fine-tuning, with shorter prompts and no retrieval step.",
             "prompt tokens {03:prompt tokens, LoRA:n} for the LoRA model against {03:prompt tokens, base few-shot:n} with "
             "few-shot examples (03); a median answer took {05b:fine_tuned / latency_median_s:s} without retrieval, "
             "{05b:rag_fine_tuned / latency_median_s:s} with it (05b; mostly the tokens each system generates)"),
    Evidence("training_examples", "Training data: about 1,000 or more good examples for fine-tuning.",
             "03 taught its extraction format from {03:examples seen, extraction:n} examples (schema validity "
             "{03:schema validity, LoRA:%}); 05's reader from {05:settings / reader examples seen:n}",
             "the course's small model learned a format and a reading skill from {03:examples seen, extraction:n} and "
             "{05:settings / reader examples seen:n} examples, far fewer than the article's ~1,000: the model keeps "
             "100 as the floor and treats more as better, not as a requirement"),
    Evidence("deployment_speed", "Deployment speed: RAG is faster to start, fine-tuning needs data and training first.",
             "here training the reader took {05:rag_fine_tuned / training_seconds:s} and re-indexing after an update "
             "{05b:update / reindex_seconds:s}: the time fine-tuning needs goes into collecting and checking examples"),
    Evidence("budget", "Cost: fine-tuning spends compute up front and at every retraining; RAG at every query.",
             "one training run of the reader: {05:rag_fine_tuned / training_seconds:s} on 2 CPU cores; the cost calculator "
             "below turns such figures into money"),
)}

NOTEBOOKS = {"01": "01_rag_from_scratch", "02": "02_rag_in_practice", "03": "03_finetuning_with_lora",
             "04": "04_can_finetuning_teach_facts", "05": "05_rag_plus_finetuning",
             "05b": "05b_update_latency_and_levers"}


def render(template: str, figures: Mapping[str, Mapping[str, float]]) -> str:
    """Fill an Evidence template from `figures` ({notebook: {figure: value}}, keys as in NOTEBOOKS' values).

    >>> render("{03:schema validity, LoRA:%} valid", {"03_finetuning_with_lora": {"schema validity, LoRA": 0.75}})
    '75% valid'
    >>> render("{03:schema validity, LoRA:%} valid", {})
    '(not measured: run notebook 03) valid'
    """
    def fill(match: re.Match) -> str:
        short, name, style = match.group(1), match.group(2), match.group(3)
        value = figures.get(NOTEBOOKS[short], {}).get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return f"(not measured: run notebook {short})"
        return f"{value:.0%}" if style == "%" else f"{value:.1f} s" if style == "s" else f"{value:,.0f}"

    return re.sub(r"\{(\d\db?):([^{}]+?):([%sn])\}", fill, template)


def evidence_table(figures: Mapping[str, Mapping[str, float]]) -> list[dict]:
    """One row per criterion: its group, the article's line, what the course measured, where the two disagree."""
    return [{"criterion": name, "group": CRITERIA[name].group, "the article": e.article,
             "the course measured": render(e.measured, figures), "where they disagree": render(e.disagrees, figures)}
            for name, e in EVIDENCE.items()]


def evidence_for(rec: Recommendation, figures: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The course's measurements behind one recommendation: for each criterion that pushed or held, strongest first."""
    pushed = sorted((c for c in rec.contributions if c.knowledge or c.behaviour), key=lambda c: -(abs(c.knowledge) + abs(c.behaviour)))
    names = [name for name, _, _ in _holds(rec.settings)] + [c.name for c in pushed]
    if rec.structured_decoding and "output_format" not in names:
        names.append("output_format")
    lines = []
    for name in dict.fromkeys(names):
        e = EVIDENCE[name]
        text = render(e.measured, figures) + (f"; but {render(e.disagrees, figures)}" if e.disagrees else "")
        lines.append(f"{CRITERIA[name].label}: {text}")
    return lines


@dataclass(frozen=True)
class CourseCase:
    """One of the course's own experiments, as settings, with the answers its measurements support."""

    name: str
    notebook: str  # the notebook that measured it
    settings: dict
    supported: tuple[str, ...]  # headlines (Recommendation.headline) that the measurements support


COURSE_CASES: dict[str, CourseCase] = {c.name: c for c in (
    CourseCase("05: the support bot", "05_rag_plus_finetuning",
               dict(knowledge_freshness=3, citations=2, grounding=2, knowledge_base_docs=91, output_format=3,
                    training_examples=282),
               ("RAG + fine-tuning",)),  # the reader beat constrained prompted RAG on answers (05)
    CourseCase("03: structured extraction", "03_finetuning_with_lora",
               dict(output_format=3, training_examples=1_050, knowledge_base_docs=0), ("fine-tuning",)),
    CourseCase("03: structured extraction, no examples yet", "03_finetuning_with_lora",
               dict(output_format=3, training_examples=0, knowledge_base_docs=0), ("prompting first + structured decoding",)),
    CourseCase("03: the brand voice", "03_finetuning_with_lora",
               dict(behaviour_change=2, training_examples=270, knowledge_base_docs=0), ("fine-tuning",)),
    CourseCase("04: facts that change", "04_can_finetuning_teach_facts",
               dict(knowledge_freshness=3, grounding=2, knowledge_base_docs=30, training_examples=200), ("RAG",)),
)}
