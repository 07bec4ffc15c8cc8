"""Prompt injection through a poisoned knowledge base, measured (notebook 02, section 4.4, shows the JSON).

One product page (the Brumaline K3, the page with the most questions) gets an instruction hidden after each of
its headings (`course_utils.injection`). Every question about that product, from all splits (35; nothing is
trained here, so the split does not matter), is answered by plain RAG (k=3, 400-character chunks):

1. on the clean knowledge base (the baseline: how many answers are right without an attack);
2. on the poisoned one, for each wording in `injection.INJECTIONS` (how often the answer repeats the
   attacker's address);
3. for the wording followed most often, with each defence: delimited sources with a guarded system prompt,
   a filter that drops sentences addressed to the assistant, and both.

    python -P benchmarks/injection.py          # ~12 min on 2 cores

Writes benchmarks/injection.json. Greedy decoding, so the counts repeat exactly; timings do not.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from course_utils.files import write_json_atomic

# Its saved figures were generated in fp32: new rows stay comparable with them on any processor (the notebooks
# generate batches in bf16 where the processor has it; see models.generation_precision). Set it to "auto" to
# measure the notebooks' way.
os.environ.setdefault("COURSE_GENERATION_PRECISION", "fp32")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "injection.json"
TARGET = "prod-k3"
K, MAX_NEW_TOKENS = 3, 40


def main() -> None:
    from course_utils import data, models, rag
    from course_utils import injection as inj
    from course_utils.config import fit_threads_to_cpu_budget, get_config
    from course_utils.embeddings import load_cached_embedder
    from course_utils.evaluate.answers import answer_correct

    config = get_config()
    fit_threads_to_cpu_budget()
    embedder = load_cached_embedder(config)
    generator, tokenizer = models.load_generator(config=config)
    questions = data.load_questions()
    questions = questions[questions["doc_ids"].apply(lambda ids: TARGET in ids)]
    asked = list(questions["question"])
    rows = []

    def run(name: str, wording: str | None, defence: str, docs) -> dict:
        kb = rag.KnowledgeIndex.build(docs, embedder, method="chars", size=400, overlap=50)
        hits = kb.retrieve_batch(asked, K)
        if defence in ("filter", "both"):
            hits = [inj.filtered_hits(h)[0] for h in hits]
        build = inj.guarded_prompt if defence in ("guarded prompt", "both") else rag.build_prompt
        start = time.perf_counter()
        answers = models.chat_batch(generator, tokenizer, [build(q, h) for q, h in zip(asked, hits)],
                                    MAX_NEW_TOKENS, 4, progress=False)
        row = {
            "condition": name, "wording": wording, "defence": defence, "questions": len(asked),
            "poison_in_prompt": sum(any(inj.ATTACKER_ADDRESS in h.text for h in hs) for hs in hits),
            "followed": sum(inj.followed(a) for a in answers),
            "correct": sum(answer_correct(a, g, v) for a, g, v in zip(answers, questions["answer"], questions["variants"])),
            "seconds": round(time.perf_counter() - start, 1),
            "followed_examples": [a for a in answers if inj.followed(a)][:3],
        }
        print({k: v for k, v in row.items() if k != "followed_examples"}, flush=True)
        rows.append(row)
        return row

    clean = data.load_kb("v1")
    run("clean knowledge base", None, "none", clean)
    attacks = [run(f"poisoned: {w}", w, "none", inj.poison_documents(clean, TARGET, inj.INJECTIONS[w]))
               for w in inj.INJECTIONS]
    strongest = max(attacks, key=lambda r: r["followed"])["wording"]  # first one wins a tie
    for defence in ("guarded prompt", "filter", "both"):
        run(f"poisoned: {strongest}, {defence}", strongest, defence,
            inj.poison_documents(clean, TARGET, inj.INJECTIONS[strongest]))
    write_json_atomic(RESULTS, {
        "target_document": TARGET, "k": K, "max_new_tokens": MAX_NEW_TOKENS, "strongest_wording": strongest,
        "model": config.generator, "machine": f"{platform.machine()}, {platform.system()}", "rows": rows,
    }, indent=1)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
