"""Print the datasets' sizes per split and how hard retrieval is: lexical overlap and a BM25 baseline.

    python datasets/report.py

Lexical overlap of a question = the share of its content words (lower case, stop words removed) that
also occur in its gold passages (or in the whole cited document). Values near 1 would mean the questions
copy the documents and keyword search is trivially perfect. The BM25 baseline (bm25s, whole documents)
shows the same from the retrieval side: the share of questions whose gold document is ranked first / in the
top 5. Leaves out: dense retrieval and chunking, which the RAG notebooks measure.
"""

from __future__ import annotations

import re
import statistics

from course_utils.data import UNANSWERABLE, load_extraction, load_kb, load_questions, load_style, load_support

STOPWORDS = set("""
a about after all an and any are as at be been before being between but by can could did do does doing for from
has have how i if in into is it its it's just me more most my of on once only or our out own so some such than
that the their them then there these they this to too up us very was we were what what's when where which while
who whom why will with would you your i'm i've i'd i'll whats much many long
""".split())


def content_words(text: str) -> set[str]:
    """Lower-case word set without stop words: 'How much does the K3 cost?' -> {'k3', 'cost'}."""
    return {w for w in re.findall(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*", text.lower()) if w not in STOPWORDS}


def overlap(question: str, passage: str) -> float:
    """Share of the question's content words that also occur in `passage` (0.0 when it has none)."""
    q = content_words(question)
    return len(q & content_words(passage)) / len(q) if q else 0.0


def lexical_overlap_table(version: str = "v1"):
    """Per answerable question: overlap with its gold passages and with its cited documents."""
    qs = load_questions()
    suffix = "" if version == "v1" else "_v2"
    qs = qs[qs["answer" + suffix] != UNANSWERABLE].copy()
    texts = {d["id"]: d["text"] for d in load_kb(version)}
    qs["overlap_passage"] = [overlap(q, "\n".join(p)) for q, p in zip(qs["question"], qs["passages" + suffix])]
    qs["overlap_document"] = [overlap(q, "\n".join(texts[d] for d in ids)) for q, ids in
                              zip(qs["question"], qs["doc_ids" + suffix])]
    return qs


def bm25_baseline(version: str = "v1", k: int = 5) -> dict:
    """Hit@1 and hit@k of BM25 over whole documents for answerable questions (any gold doc counts)."""
    import bm25s

    docs = load_kb(version)
    ids = [d["id"] for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([d["title"] + "\n" + d["text"] for d in docs], show_progress=False),
                    show_progress=False)
    qs = lexical_overlap_table(version)
    suffix = "" if version == "v1" else "_v2"
    results, _ = retriever.retrieve(bm25s.tokenize(list(qs["question"]), show_progress=False), k=k,
                                    show_progress=False)
    hit1 = hitk = 0
    for ranked, gold in zip(results, qs["doc_ids" + suffix]):
        names = [ids[i] for i in ranked]
        hit1 += names[0] in gold
        hitk += any(n in gold for n in names)
    return {"questions": len(qs), "hit@1": hit1 / len(qs), f"hit@{k}": hitk / len(qs)}


def counts() -> list[tuple[str, int, int, int, int]]:
    rows = []
    for name, loader in [("questions.jsonl", load_questions), ("support.jsonl", load_support),
                         ("extraction.jsonl", load_extraction), ("style.jsonl", load_style)]:
        df = loader()
        c = df["split"].value_counts()
        rows.append((name, len(df), int(c.get("train", 0)), int(c.get("validation", 0)), int(c.get("test", 0))))
    return rows


def main() -> int:
    print(f"{'file':<20}{'total':>7}{'train':>7}{'val':>7}{'test':>7}")
    for name, *nums in counts():
        print(f"{name:<20}" + "".join(f"{n:>7}" for n in nums))
    for v in ("v1", "v2"):
        print(f"kb/{v}: {len(load_kb(v))} documents")
    qs = load_questions()
    print("\nquestions by type and split:")
    print(qs.pivot_table(index="type", columns="split", values="id", aggfunc="count", fill_value=0).to_string())
    print(f"changed answers: {int(qs['changed'].sum())} questions, {int((qs['changed'] & (qs['split'] == 'test')).sum())} in test")
    table = lexical_overlap_table("v1")
    print("\nlexical overlap (share of question content words found in the gold text), answerable questions:")
    for col in ("overlap_passage", "overlap_document"):
        s = table[col]
        print(f"  {col:<17} mean {s.mean():.2f}  median {s.median():.2f}  "
              f"share with all words found {(s == 1).mean():.2f}")
    print("  by type (passage):", {t: round(float(g.mean()), 2) for t, g in table.groupby("type")["overlap_passage"]})
    by_split = {s: round(float(g.mean()), 2) for s, g in table.groupby("split")["overlap_passage"]}
    print("  by split (passage):", by_split)
    try:
        for v in ("v1", "v2"):
            print(f"BM25 over whole documents ({v}):", {k: round(x, 2) if isinstance(x, float) else x
                                                     for k, x in bm25_baseline(v).items()})
    except ImportError:
        print("BM25 baseline skipped: bm25s is not installed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
