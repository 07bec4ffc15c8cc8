"""Notebook 05's six systems, defined in one place: notebook 05 trains the two fine-tuned ones, and notebook 05b
reloads exactly what 05 trained (or trains the same runs again, where your cache holds none).

    from course_utils import systems
    test = systems.scored_questions(support.load_task("test"))     # the test questions every system answers
    closed_book = systems.closed_book_run(model, train, test)     # rows and settings of the fine-tuned system
    run = closed_book.train(model, tokenizer)                     # a finetune.TrainResult (notebook 05)
    saved = closed_book.load_or_train(model, tokenizer)           # a finetune.SavedRun (notebook 05b)

Left out: any system not on the scoreboard, and choosing settings (benchmarks/reader_levers.py measured them).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import finetune, support
from .config import READER, get_config

LABELS = {"base": "base (prompted)", "base_structured": "base + structured decoding", "rag": "RAG",
          "rag_structured": "RAG + structured decoding", "fine_tuned": "fine-tuned", "rag_fine_tuned": "RAG + fine-tuned"}
CLOSED_BOOK_RUN, READER_RUN = "support-closed-book", "support-reader"
UNANSWERABLE_SAMPLE = 10  # unanswerable test questions scored besides the ones about what only v2 has


def scored_questions(test_split: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
    """The part of the test split every system answers: the seen facts whose answer changes in knowledge base v2,
    every unseen fact, the unanswerable questions v2 answers, and a seeded sample of the other unanswerable ones."""
    seed = get_config().seed if seed is None else seed
    unanswerable = test_split[test_split["stratum"] == "unanswerable"]
    return pd.concat([
        test_split[(test_split["stratum"] == "seen fact") & test_split["changed"]],
        test_split[test_split["stratum"] == "unseen fact"],
        unanswerable[unanswerable["changed"]],
        unanswerable[~unanswerable["changed"]].sample(UNANSWERABLE_SAMPLE, random_state=seed),
    ]).reset_index(drop=True)


@dataclass(frozen=True)
class Run:
    """One training run of a scoreboard system: its name (the folder under <cache>/runs), rows and settings."""

    name: str
    rows: list
    lora: finetune.LoraSettings
    settings: finetune.TrainSettings
    drop_too_long: bool = False
    system: str = support.SUPPORT_SYSTEM

    def _arguments(self) -> dict:
        return dict(lora=self.lora, settings=self.settings, system=self.system, drop_too_long=self.drop_too_long)

    def train(self, model, tokenizer) -> finetune.TrainResult:
        """Train it now; the returned model carries the adapter (take it off with finetune.remove_lora)."""
        return finetune.train_lora(model, tokenizer, self.rows, self.name, **self._arguments())

    def load_or_train(self, model, tokenizer) -> finetune.SavedRun:
        """The adapter this run saved, if the cache holds one from the same rows and settings, else train it now."""
        return finetune.load_or_train(model, tokenizer, self.rows, self.name, **self._arguments())


def closed_book_run(model, train: pd.DataFrame, test: pd.DataFrame, seed: int | None = None) -> Run:
    """The fine-tuned system without retrieval: every training phrasing of the facts the scored questions ask
    about, plus ten other unanswerable questions, in the top layers' attention and feed-forward blocks."""
    seed = get_config().seed if seed is None else seed
    facts = support.closed_book_facts(train, test, extra_unanswerable=10, seed=seed)
    lora = finetune.LoraSettings(layers=finetune.top_layers(model, READER["top_layers"]),
                                 target_modules=finetune.ATTENTION + finetune.MLP, dropout=0.0)
    return Run(CLOSED_BOOK_RUN, support.closed_book_rows(facts), lora, finetune.train_settings(CLOSED_BOOK_RUN))


def reader_run(model, kb, train: pd.DataFrame, seed: int | None = None) -> Run:
    """The reader of RAG + fine-tuned: each training question with chunks from the course's own index
    (`support.reader_rows`), with the settings of config.READER."""
    seed, R = get_config().seed if seed is None else seed, READER
    rows = support.reader_rows(kb, train, k=R["k"], distractor_share=R["distractor_share"],
                               contexts_per_question=R["contexts_per_question"], seed=seed)
    lora = finetune.LoraSettings(rank=R["rank"], dropout=R["lora_dropout"],
                                 layers=finetune.top_layers(model, R["top_layers"]),
                                 target_modules=finetune.ATTENTION + (finetune.MLP if R["mlp"] else ()))
    return Run(READER_RUN, rows, lora, finetune.train_settings(READER_RUN), drop_too_long=True)
