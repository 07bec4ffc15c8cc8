"""Prompting, RAG, fine-tuning or both? The course's decision model, as plain Python you can read and test.

Every criterion of the article's decision matrix, plus the other ones it names, is one setting with a documented
range. A setting pushes on two separate scores:

- the **knowledge** score (toward RAG): facts that change, must be cited, are many, must be right;
- the **behaviour** score (toward fine-tuning): a strict format, a voice, a skill, a tight latency budget.

A score that reaches THRESHOLD switches its half on, so the four answers come from two yes/no questions:

    knowledge?  behaviour?   answer
       no          no        prompting first
       yes         no        RAG
       no          yes       fine-tuning
       yes         yes       RAG + fine-tuning

Fine-tuning also needs data: below MIN_EXAMPLES training examples the behaviour half stays off whatever its
score ("collect examples first"); the article asks for about 1,000 good ones (ENOUGH_EXAMPLES).

    >>> recommend(knowledge_freshness=4, citations=2).approach
    'RAG'
    >>> recommend(preset("structured extraction")).approach
    'fine-tuning'

The weights are set by hand from the article's argument and the course's measurements, not fitted to data; the
model knows nothing of your team's skills, vendors or regulations. Costs are in `course_utils.costs`.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Mapping

THRESHOLD = 1.5  # a score at or above this switches its half (RAG, fine-tuning) on
MIN_EXAMPLES = 100  # below this many training examples, never fine-tune
ENOUGH_EXAMPLES = 1000  # the article's "~1,000+ quality examples"
APPROACHES = ("prompting first", "RAG", "fine-tuning", "RAG + fine-tuning")


class DecisionInputError(ValueError):
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
    Criterion("knowledge_freshness", "Facts change", "level",
              ((0, 0, 0, "rarely"), (1, 0.5, 0, "yearly"), (2, 1.0, -0.25, "quarterly"),
               (3, 1.5, -0.5, "monthly"), (4, 2.0, -0.75, "weekly or faster")), default=0,
              toward_rag="facts change {value}: RAG re-indexes in minutes, a fine-tuned model is stale until retrained",
              toward_ft=""),
    Criterion("training_examples", "Training examples", "amount",
              ((0, 0, -2.0, "no examples"), (MIN_EXAMPLES, 0, -1.0, "100 examples"),
               (ENOUGH_EXAMPLES, 0, 0, "1,000 examples"), (10_000, 0, 0.5, "10,000 examples")), default=0, minimum=0, maximum=1e9, unit="examples",
              toward_rag="{value}: too few to fine-tune well (the article asks for ~1,000 good ones)",
              toward_ft="{value}: enough to teach a behaviour"),
    Criterion("output_format", "Output format", "level",
              ((0, 0, 0, "free text"), (1, 0, 0.5, "a light structure"), (2, 0, 1.25, "a fixed template"),
               (3, 0, 2.0, "a strict schema, always")), default=0,
              toward_rag="", toward_ft="output must follow {value}: fine-tuning makes a format reliable, prompting alone is not"),
    Criterion("deployment_speed", "Must ship", "level",
              ((0, 0, 0, "in months"), (1, 0.25, -0.25, "in weeks"), (2, 0.5, -0.75, "in days"),
               (3, 0.75, -1.5, "now")), default=0,
              toward_rag="must ship {value}: RAG needs no training run, fine-tuning needs data and training first",
              toward_ft=""),
    Criterion("behaviour_change", "Behaviour change", "level",
              ((0, 0, 0, "none"), (1, 0, 0.5, "a light touch"), (2, 0, 1.5, "a tone or voice"),
               (3, 0, 2.0, "a domain skill"), (4, 0, 2.5, "a new task")), default=0,
              toward_rag="", toward_ft="needs {value}: behaviour lives in the weights, documents in a prompt do not change it"),
    # --- the other criteria the article names ---
    Criterion("citations", "Citations", "level",
              ((0, 0, 0, "not needed"), (1, 0.75, 0, "nice to have"), (2, 1.75, 0, "required")), default=0,
              toward_rag="citations {value}: retrieved chunks come with their sources, weights have none", toward_ft=""),
    Criterion("knowledge_base_docs", "Knowledge base", "amount",
              ((0, -1.5, 0, "no documents"), (30, 0, 0, "30 documents"), (1_000, 1.0, 0, "1,000 documents"),
               (100_000, 1.75, 0, "100,000 documents"), (1_000_000, 2.0, 0, "1,000,000 documents")),
              default=30, minimum=0, maximum=1e12, unit="documents",
              toward_rag="{value}: too many for one prompt, and more than weights hold reliably: retrieve them",
              toward_ft="{value} to look things up in: nothing for retrieval to add"),
    Criterion("grounding", "Accuracy stakes", "level",
              ((0, 0, 0, "low"), (1, 0.25, 0, "normal"), (2, 1.0, 0, "high"), (3, 1.5, 0, "critical")), default=0,
              toward_rag="{value} stakes on facts: answers grounded in retrieved text hallucinate less", toward_ft=""),
    Criterion("latency_budget_s", "Latency budget", "amount",
              ((0.2, -1.5, 1.5, "0.2 s"), (0.5, -1.0, 1.0, "0.5 s"), (1, -0.5, 0.5, "1 s"), (2, -0.25, 0.25, "2 s"),
               (5, 0, 0, "5 s")), default=5, minimum=0.2, maximum=3600, unit="s",
              toward_rag="",
              toward_ft="{value} per answer: one pass with a short prompt is faster than retrieval plus a long prompt"),
    Criterion("budget", "Budget", "level",
              ((0, 0, -1.0, "shoestring"), (1, 0, -0.5, "modest"), (2, 0, 0, "comfortable"), (3, 0, 0.25, "generous")),
              default=2, toward_rag="a {value} budget: training and retraining cost compute that RAG does not spend",
              toward_ft="a {value} budget: training runs are affordable"),
)}

# The direction that moves each criterion toward RAG: +1 = a larger value, -1 = a smaller one (tested).
TOWARD_RAG = {"knowledge_freshness": 1, "training_examples": -1, "output_format": -1, "deployment_speed": 1,
              "behaviour_change": -1, "citations": 1, "knowledge_base_docs": 1, "grounding": 1,
              "latency_budget_s": 1, "budget": -1}
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

    approach: str  # one of APPROACHES
    knowledge_score: float
    behaviour_score: float
    confidence: float  # 0.5 (a coin flip: a score sits on the threshold) to 0.95
    contributions: tuple[Contribution, ...]  # one per criterion, in CRITERIA order
    reasons: tuple[str, ...]  # the pushes in words, strongest first
    path: tuple[str, ...]  # what to do, in order (the pragmatic path)
    would_change: tuple[str, ...]  # the smallest single changes that give another answer
    settings: dict

    @property
    def uses_rag(self) -> bool:
        return "RAG" in self.approach

    @property
    def uses_fine_tuning(self) -> bool:
        return "fine-tuning" in self.approach

    @property
    def confidence_label(self) -> str:
        return "low" if self.confidence < 0.65 else "medium" if self.confidence < 0.8 else "high"

    def summary(self) -> str:
        return (f"{self.approach} (knowledge {self.knowledge_score:+.2f}, behaviour {self.behaviour_score:+.2f}, "
                f"confidence {self.confidence_label} {self.confidence:.2f})")


def _scores(settings: dict[str, float]) -> tuple[float, float, list[Contribution]]:
    contributions = []
    for name, c in CRITERIA.items():
        rag, ft = c.pushes(settings[name])
        text = c.toward_rag if rag - ft > 0 else c.toward_ft if rag - ft < 0 else ""
        reason = text.format(value=c.describe(settings[name])) if text else ""
        contributions.append(Contribution(name, c.label, c.describe(settings[name]), round(rag, 3), round(ft, 3), reason))
    return sum(c.knowledge for c in contributions), sum(c.behaviour for c in contributions), contributions


def _approach(knowledge: float, behaviour: float, examples: float) -> str:
    rag = knowledge >= THRESHOLD
    ft = behaviour >= THRESHOLD and examples >= MIN_EXAMPLES
    return APPROACHES[int(rag) + 2 * int(ft)]


def decide(settings: Mapping[str, Any] | None = None, **criteria: Any) -> str:
    """Only the approach (no reasons): the fast path that `recommend` and the tests use."""
    s = check_settings(settings, **criteria)
    knowledge, behaviour, _ = _scores(s)
    return _approach(knowledge, behaviour, s["training_examples"])


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


def _path(approach: str, settings: dict[str, float], behaviour: float) -> list[str]:
    examples = settings["training_examples"]
    if approach == "RAG + fine-tuning":
        return ["Build RAG first: it brings the knowledge and ships without training.",
                "Measure the behaviour gap RAG leaves (format validity, tone, how well the model reads its sources).",
                "Fine-tune a LoRA adapter on (question + retrieved context -> answer); keep the knowledge in the index."]
    if approach == "RAG":
        steps = ["Index the documents and retrieve the top chunks for each question (notebooks 01-02).",
                 "Measure answers and citations on your own questions before anything else."]
        if behaviour >= THRESHOLD / 2:
            steps.append("Some behaviour need remains: if RAG leaves a gap in format or tone, add fine-tuning (the pragmatic path).")
        return steps
    if approach == "fine-tuning":
        return ["Check that a system prompt with a few examples cannot hold the behaviour.",
                "Fine-tune a LoRA adapter on your examples; keep a held-out set to measure it (notebook 03).",
                "Plan retraining: the knowledge in the weights does not change until you train again."]
    steps = ["Start with a clear system prompt and a few worked examples; measure what fails."]
    if behaviour >= THRESHOLD and examples < MIN_EXAMPLES:
        steps.append(f"Collect at least {MIN_EXAMPLES:,} (ideally ~{ENOUGH_EXAMPLES:,}) good examples: then fine-tuning becomes the answer.")
    steps.append("Add RAG as soon as answers need facts the model cannot know.")
    return steps


def recommend(settings: Mapping[str, Any] | None = None, **criteria: Any) -> Recommendation:
    """Recommend an approach for the given settings (a dict, keywords, or both; missing criteria take DEFAULTS).

    >>> r = recommend(output_format=3, training_examples=5000)
    >>> r.approach, r.confidence_label
    ('fine-tuning', 'medium')
    """
    s = check_settings(settings, **criteria)
    knowledge, behaviour, contributions = _scores(s)
    approach = _approach(knowledge, behaviour, s["training_examples"])
    margins = [abs(knowledge - THRESHOLD)]
    if s["training_examples"] >= MIN_EXAMPLES:  # below it, the behaviour score cannot tip the answer
        margins.append(abs(behaviour - THRESHOLD))
    confidence = round(min(0.95, 0.5 + min(margins) / 4), 2)
    rag_on, ft_on = approach in ("RAG", "RAG + fine-tuning"), approach in ("fine-tuning", "RAG + fine-tuning")

    def group(c: Contribution) -> int:  # 0: pushes a half that is on, 1: holds a half off, 2: pushes against the answer
        if (rag_on and c.knowledge > 0) or (ft_on and c.behaviour > 0):
            return 0
        return 1 if (not rag_on and c.knowledge < 0) or (not ft_on and c.behaviour < 0) else 2

    ranked = sorted((c for c in contributions if c.reason), key=lambda c: (group(c), -(abs(c.knowledge) + abs(c.behaviour))))
    reasons = [("but " if group(c) == 2 else "") + c.reason for c in ranked]
    if behaviour >= THRESHOLD and s["training_examples"] < MIN_EXAMPLES:
        reasons.insert(0, f"a behaviour need, but fewer than {MIN_EXAMPLES} training examples: fine-tuning is ruled out until you have them")
    return Recommendation(approach, round(knowledge, 3), round(behaviour, 3), confidence, tuple(contributions),
                          tuple(reasons), tuple(_path(approach, s, behaviour)), tuple(_would_change(s, approach, knowledge, behaviour)), s)


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
    """All settings of a use case (DEFAULTS for what it does not set), ready for `recommend`."""
    if name not in USE_CASES:
        raise _unknown(name, USE_CASES, "use case", "use cases", UnknownPresetError)
    return check_settings(USE_CASES[name].settings)
