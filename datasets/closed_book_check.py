"""Are Orrinvale's facts really new to the base model? Ask it 20 questions with and without the document.

    HF_HUB_OFFLINE=1 python datasets/closed_book_check.py          # 20 questions, about a minute on 2 cores
    HF_HUB_OFFLINE=1 python datasets/closed_book_check.py --n 40

Closed book: the question alone. Open book: the question plus the gold passages (the lines of the cited
document that state the answer) - a sanity check that the same model *can* answer when given the fact.
Scoring: ``course_utils.evaluate.answers.answer_correct`` (normalised containment of the gold answer or a
variant). The sample is a seeded draw of answerable test questions, so the figure repeats run after run.
Leaves out: retrieval (that is RAG's job in the notebooks), unanswerable questions, and questions whose
answer is written in the question itself (the comparisons "X or Y?", a coin flip rather than knowledge).
"""

from __future__ import annotations

import argparse
import random

from course_utils.data import UNANSWERABLE, load_questions
from course_utils.evaluate.answers import answer_correct
from course_utils.models import chat_batch, load_generator

SYSTEM = "You answer customer questions about the company Orrinvale and its products. Answer in a few words."


def sample_questions(n: int = 20, seed: int = 0):
    """A seeded sample of `n` answerable test questions (one per fact, so no fact is counted twice)."""
    df = load_questions(split="test")
    df = df[df["answer"] != UNANSWERABLE]
    # an answer that is written in the question (e.g. "X or Y?") can be guessed, which is not knowledge
    df = df[[a.lower() not in q.lower() for a, q in zip(df["answer"], df["question"])]]
    df = df.drop_duplicates("fact_id").sort_values("id")
    picks = random.Random(seed).sample(list(df.index), n)
    return df.loc[sorted(picks)].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args(argv)
    sample = sample_questions(args.n)
    model, tokenizer = load_generator()
    closed = [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}] for q in sample["question"]]
    opened = [
        [{"role": "system", "content": SYSTEM},
         {"role": "user", "content": "Context:\n" + "\n".join(p) + f"\n\nQuestion: {q}"}]
        for q, p in zip(sample["question"], sample["passages"])
    ]
    answers_closed = chat_batch(model, tokenizer, closed, max_new_tokens=32, progress=False)
    answers_open = chat_batch(model, tokenizer, opened, max_new_tokens=32, progress=False)
    hits_closed = hits_open = 0
    for row, a_c, a_o in zip(sample.itertuples(), answers_closed, answers_open):
        ok_c = answer_correct(a_c, row.answer, row.variants)
        ok_o = answer_correct(a_o, row.answer, row.variants)
        hits_closed += ok_c
        hits_open += ok_o
        print(f"{row.id} [{'x' if ok_c else ' '}|{'x' if ok_o else ' '}] {row.question}")
        print(f"      gold: {row.answer!r}\n      closed book: {a_c[:90]!r}\n      with passage: {a_o[:90]!r}")
    n = len(sample)
    print(f"\nclosed-book accuracy: {hits_closed}/{n} = {hits_closed / n:.0%}")
    print(f"with gold passage:    {hits_open}/{n} = {hits_open / n:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
