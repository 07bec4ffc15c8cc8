"""The article's claims, one by one: what the course measured for each, and whether its lesson checks hold.

    from course_utils import claims
    claims.verdict_table()          # one row per claim of the article, rendered from the results files
    python -P -m course_utils.claims     # the same table in Markdown, from the course's reference run (README)

Two layers. `LESSON_CHECKS` are the figures each notebook's argument rests on, each with the direction it must go
and a bound (`tests/test_lessons.py` runs them after every notebook, and against every numerics variant of
`benchmarks/variation.json`). `ARTICLE_CLAIMS` are the article's claims, each pointing at the lesson checks that test
it and at an evidence template that `decision.render` fills from your own run's figures, or the course's reference
run where you have not run a notebook. A claim's verdict is computed, never typed: it holds when all its checks hold
on those figures. Some claims no check can test here (timings depend on the machine; a bigger model cannot be
loaded offline), and their verdict says so.

Left out: a verdict on one claim's strength beyond its checks' bounds; the intervals behind each figure are in the
notebooks (n/N, Wilson intervals, paired comparisons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from .decision import NOTEBOOKS, render
from .results import SCOREBOARD_NOTEBOOK, UPDATE_NOTEBOOK, course_figures


def gap(a: str, b: str) -> Callable[[Mapping[str, float]], float]:
    return lambda f: f[a] - f[b]


def figure(name: str) -> Callable[[Mapping[str, float]], float]:
    return lambda f: f[name]


def lowest(*names: str) -> Callable[[Mapping[str, float]], float]:
    return lambda f: min(f[n] for n in names)


def highest(*names: str) -> Callable[[Mapping[str, float]], float]:
    return lambda f: max(f[n] for n in names)


def _smallest_gap(a: str, others: list[str]) -> Callable[[Mapping[str, float]], float]:
    return lambda f: min(f[a] - f[b] for b in others)


# (notebook, claim, the quantity it is about, ">=" or "<=", bound). Each bound leaves room beyond the range the quantity
# took under the rehearsal's variants (benchmarks/variation.json; tests/test_lessons.py's
# test_the_margins_leave_room_beyond_the_spread prints and checks it): a ">=" bound lies at most at its smallest value
# minus its spread, and never below what the claim means (a gap above 0, a share that says "almost always" or "almost
# never").
F05, F05B = SCOREBOARD_NOTEBOOK, UPDATE_NOTEBOOK
_OTHERS_05 = ["base / answer_accuracy", "rag / answer_accuracy", "fine_tuned / answer_accuracy",
             "base_structured / answer_accuracy", "rag_structured / answer_accuracy"]
LESSON_CHECKS = [
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
     _smallest_gap("rag_fine_tuned / answer_accuracy", _OTHERS_05), ">=", 0.15),
    (F05, "structured decoding makes most prompted answers valid JSON, with no training",
     lowest("base_structured / schema_validity", "rag_structured / schema_validity"), ">=", 0.5),
    (F05, "the trained reader reads far better than prompted RAG with structured decoding",
     gap("rag_fine_tuned / gains / reading", "rag_structured / gains / reading"), ">=", 0.2),
    (F05, "the trained reader cites a gold document for most answerable questions",
     figure("rag_fine_tuned / citation_accuracy"), ">=", 0.6),
    (F05, "forced into JSON, prompted RAG states the gold answer less often than in prose",
     gap("rag / answer_in_text", "rag_structured / answer_in_text"), ">=", 0.1),
    (F05B, "after the update the fine-tuned system without retrieval states old values more often than new",
     gap("fine_tuned / after update / states_old", "fine_tuned / after update / states_new"), ">=", 0.05),
    (F05, "the fine-tuned systems write valid JSON",
     lowest("fine_tuned / schema_validity", "rag_fine_tuned / schema_validity"), ">=", 0.85),
    (F05, "the prompted systems do not",
     highest("base / schema_validity", "rag / schema_validity"), "<=", 0.1),
    (F05, "prompted RAG states the gold answer more often than the prompted base model",
     gap("rag / answer_in_text", "base / answer_in_text"), ">=", 0.15),
    (F05B, "after the update the reader states new values far more often than old ones",
     gap("rag_fine_tuned / after update / states_new", "rag_fine_tuned / after update / states_old"), ">=", 0.3),
    (F05B, "after the update the reader is right far more often than the fine-tuned system",
     gap("rag_fine_tuned / after update / states_new", "fine_tuned / after update / states_new"), ">=", 0.3),
]
CHECKS = {claim: (notebook, quantity, op, bound) for notebook, claim, quantity, op, bound in LESSON_CHECKS}


def holds(quantity, op: str, bound: float, figures: Mapping[str, float]) -> bool:
    """Whether one lesson check holds on one notebook's figures."""
    value = quantity(figures)
    return value >= bound if op == ">=" else value <= bound


@dataclass(frozen=True)
class ArticleClaim:
    """One claim of the article, and how the course puts it to the test.

    `checks` name lesson checks (their claim text in LESSON_CHECKS); `evidence` is a `decision.render` template;
    `limits` says where the course's evidence is weak; `untested` says why no check can test the claim here (the
    verdict then says so). `disagrees` is "in part" for a claim that holds with a qualification the course measured,
    or "contradicts" for one whose checks test the counter-evidence: when they hold, the course contradicts it."""

    claim: str
    checks: tuple[str, ...]
    evidence: str
    limits: str = ""
    untested: str = ""
    disagrees: str = ""  # "", "in part" or "contradicts"


ARTICLE_CLAIMS: tuple[ArticleClaim, ...] = (
    ArticleClaim("RAG adds knowledge at inference time; the model's weights do not change.",
                 ("RAG changed no weight (byte-identical fingerprints)", "the RAG answer is right",
                  "the closed-book answer is not"),
                 "01: the weights' fingerprint was byte-identical after RAG; the same question was answered right "
                 "with the documents and wrong without",
                 "one question in 01; 02 and 05 measure many"),
    ArticleClaim("Fine-tuning changes behaviour by updating (a few) weights.",
                 ("LoRA trains under 1 % of the weights", "LoRA writes valid records more often than few-shot prompting"),
                 "03: LoRA trained under 1 % of the weights and left the rest frozen; schema validity "
                 "{03:schema validity, LoRA:%} against {03:schema validity, base few-shot:%} with few-shot examples",
                 "32 test messages per system in 03"),
    ArticleClaim("RAG wins when knowledge changes often: update the documents, no retraining.",
                 ("after the update the fine-tuned model states old facts more often than new",
                  "after re-indexing RAG states new facts more often than old",
                  "after the update the reader states new values far more often than old ones",
                  "after the update the reader is right far more often than the fine-tuned system"),
                 "05b: after the update the reader stated the new value for "
                 "{05b:rag_fine_tuned / after update / states_new:%} of the changed questions, the fine-tuned system "
                 "without retrieval the old one for {05b:fine_tuned / after update / states_old:%}; 04: facts trained "
                 "into weights kept the old value for "
                 "{04:after the update, fine-tuned on facts + paraphrases states the OLD fact:%}",
                 "16 (04) and 30 (05b) changed questions; prompted RAG without a trained reader rarely states the new "
                 "value (02, 05b)"),
    ArticleClaim("RAG can cite its sources; fine-tuning cannot.",
                 ("the trained reader cites a gold document for most answerable questions",),
                 "05: the reader cited a gold document for {05:rag_fine_tuned / citation_accuracy:%} of the answerable "
                 "questions; the system without retrieval wrote ids from memory, {05:fine_tuned / citation_accuracy:%} "
                 "of them gold ones by chance",
                 "a prompted small model rarely writes a citation at all (01, 02): citing well took training"),
    ArticleClaim("RAG handles a large knowledge base.",
                 ("dense recall@5 is high",),
                 "02: a gold document in the top 5 for {02:recall@5, dense:%} of the questions; 04: RAG answered "
                 "{04:unseen facts, RAG:%} of facts no training question covered, fine-tuning on facts "
                 "{04:unseen facts, fine-tuned on facts:%}",
                 "the course's knowledge base has 91 documents; 02's scaling section times the index, not the answers; "
                 "04's unseen-facts gap rests on 20 questions"),
    ArticleClaim("RAG improves accuracy and grounding (fewer made-up answers).",
                 ("RAG answers more questions right than the closed book",
                  "a gold document is among the 3 given for nearly every answerable question"),
                 "02: {02:RAG correct (answerable):%} of the answerable questions right with the documents, "
                 "{02:closed book correct (answerable):%} closed book",
                 "32 questions; most of RAG's remaining errors had the gold document in the prompt (a weak reader)"),
    ArticleClaim("RAG is faster to start: no training.",
                 (),
                 "05b: indexing the knowledge base took {05b:update / first_index_seconds:s}; 05: training the reader "
                 "{05:rag_fine_tuned / training_seconds:s}",
                 untested="timings depend on the machine, so no lesson check tests them; the figures are measured"),
    ArticleClaim("Fine-tuning gives a strict output format (always JSON).",
                 ("LoRA writes valid records more often than few-shot prompting", "the fine-tuned systems write valid JSON",
                  "structured decoding makes most prompted answers valid JSON, with no training"),
                 "03: schema validity {03:schema validity, LoRA:%} after LoRA; 05: {05:rag_fine_tuned / schema_validity:%} "
                 "for the reader, and {05:rag_structured / schema_validity:%} for prompted RAG with structured decoding, "
                 "no training",
                 "structured decoding also holds a format with no training: a format alone is no longer a reason to "
                 "fine-tune", disagrees="in part"),
    ArticleClaim("Fine-tuning gives a tone or style.",
                 ("LoRA meets every brand-voice rule far more often than the rules in a prompt",),
                 "03: every brand-voice rule met in {03:brand voice, all rules met, LoRA:%} of the answers after LoRA, "
                 "{03:brand voice, all rules met, base with rules:%} with the rules in the prompt",
                 "24 test answers; the tuned model sometimes dropped the fact it restated (03)"),
    ArticleClaim("Fine-tuning gives a domain task skill.",
                 ("the trained reader reads far better than prompted RAG with structured decoding",),
                 "05: with a gold document in the prompt, the trained reader answered "
                 "{05:rag_fine_tuned / gains / reading:%} right, prompted RAG with structured decoding "
                 "{05:rag_structured / gains / reading:%}",
                 "the skill measured is reading retrieved documents, on 47 answerable questions"),
    ArticleClaim("Fine-tuning lowers latency: shorter prompts, one pass, no retrieval.",
                 ("the tuned model's prompt is at least 5 times shorter",),
                 "03: {03:prompt tokens, LoRA:n} prompt tokens after LoRA against {03:prompt tokens, base few-shot:n} "
                 "with few-shot examples; 05b: a median answer took {05b:fine_tuned / latency_median_s:s} without "
                 "retrieval, {05b:rag_fine_tuned / latency_median_s:s} with it",
                 "in 05b most of the time is the tokens a system writes, not retrieval (its latency parts)"),
    ArticleClaim("A small fine-tuned model can beat a bigger general one.",
                 (), "",
                 untested="no bigger model ships without the Hub, so the course cannot load one offline"),
    ArticleClaim("Fine-tuning needs about 1,000 or more good examples.",
                 ("LoRA writes valid records more often than few-shot prompting",
                  "the trained reader reads far better than prompted RAG with structured decoding"),
                 "03 taught its format from {03:examples seen, extraction:n} examples; 05's reader learned to read from "
                 "{05:settings / reader examples seen:n}",
                 "far fewer than the article's 1,000 were enough for a 135 M model on these narrow tasks; more would "
                 "likely help (03's longer run)", disagrees="contradicts"),
    ArticleClaim("Use both: fine-tune the behaviour, retrieve the knowledge.",
                 ("RAG + fine-tuned beats every other system on answer accuracy",),
                 "05: RAG + fine-tuned answered {05:rag_fine_tuned / answer_accuracy:%} of the questions right; "
                 "fine-tuned alone {05:fine_tuned / answer_accuracy:%}, RAG with structured decoding "
                 "{05:rag_structured / answer_accuracy:%}",
                 "60 scored questions; 05 prints each pairwise comparison with its interval"),
    ArticleClaim("Costs differ in shape: RAG pays per query and to keep documents current; fine-tuning pays for "
                 "training and every retraining; both cost more up front.",
                 (),
                 "05: training the reader took {05:rag_fine_tuned / training_seconds:s}; 05b: re-indexing after the update "
                 "{05b:update / reindex_seconds:s}; 06 prices these per answer and per month",
                 untested="prices are assumptions of the calculator in 06, and timings depend on the machine"),
)


def _verdict(claim: ArticleClaim, figures: Mapping[str, Mapping[str, float]]) -> str:
    if claim.untested:
        return f"not tested here: {claim.untested}"
    missing = sorted({CHECKS[c][0][:2] for c in claim.checks if not figures.get(CHECKS[c][0])})
    if missing:
        return f"not measured yet: run notebook {', '.join(missing)}"
    failed = [c for c in claim.checks if not holds(*CHECKS[c][1:], figures[CHECKS[c][0]])]
    if failed:
        return f"does not hold here: {'; '.join(failed)}"
    checked = f"{len(claim.checks)} check{'s hold' if len(claim.checks) > 1 else ' holds'}"
    if claim.disagrees == "contradicts":
        return f"contradicted here ({checked})"
    return f"holds in part ({checked})" if claim.disagrees == "in part" else f"holds ({checked})"


def verdict_table(figures: Mapping[str, Mapping[str, float]] | None = None, config=None) -> list[dict]:
    """One row per article claim: the claim, what the course measured, its verdict, where the evidence is weak.

    `figures` ({notebook: {figure: value}}) defaults to each notebook's figures from `results.course_figures`:
    your own run where it saved them, else the course's reference run."""
    if figures is None:
        figures = {nb: course_figures(nb, config)[0] for nb in NOTEBOOKS.values()}
    return [{"the article says": c.claim, "the course measured": render(c.evidence, figures) if c.evidence else "",
             "verdict": _verdict(c, figures), "where the evidence is weak": c.limits}
            for c in ARTICLE_CLAIMS]


def markdown(rows: list[dict]) -> str:
    """The verdict table as a Markdown table (the README's copy of it)."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(row[h]).replace("|", "/") for h in head) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":  # the README's table, from the course's reference run (no cache of yours read)
    import tempfile

    from .config import get_config

    with tempfile.TemporaryDirectory() as empty:
        print(markdown(verdict_table(config=get_config(cache_dir=empty))))
