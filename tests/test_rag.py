"""course_utils.rag and the modules it builds on: chunking, embedding cache, indexes, retrieval, grounding.

Most tests use a tiny deterministic bag-of-words "embedder" so they run in milliseconds; a few load
the real MiniLM tokenizer/model and SmolLM2 to check the parts that depend on them.
"""

import doctest
import hashlib
import os
import random
import re

import numpy as np
import pytest

from course_utils import chunking, embeddings, grounding, indexes, rag
from course_utils.chunking import ChunkingError, chunk_documents, chunk_markdown, chunk_text, doc_ids_in_order
from course_utils.embeddings import CachedEmbedder, EmbeddingError
from course_utils.indexes import BM25Index, RetrievalIndexError, VectorIndex, reciprocal_rank_fusion
from course_utils.rag import Hit, KnowledgeIndex, RAGError

DOCS = [
    {"id": "prod-k3", "title": "Kettle K3", "text": "# Kettle K3\n\n## Price\nList price: 149 EUR.\n\n## Specs\nCapacity: 1.7 litres. Warranty: 2 years.\n"},
    {"id": "prod-m5", "title": "Mixer M5", "text": "# Mixer M5\n\n## Price\nList price: 89 EUR.\n\n## Specs\nPower: 600 W. Warranty: 3 years.\n"},
    {"id": "returns", "title": "Returns policy", "text": "# Returns\n\nReturn any product within 30 days of delivery. Refunds are paid within 14 days.\n"},
    {"id": "support", "title": "Support hours", "text": "# Support\n\nSupport answers from 8:00 to 18:00, Monday to Friday.\n"},
]


class BagOfWordsModel:
    """Stands in for a SentenceTransformer: hashed word counts, so shared words mean similar vectors."""

    def __init__(self, dim: int = 64):
        self.dim, self.calls, self.tokenizer = dim, 0, None

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False):
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1
            out[row, -1] += 1e-3  # no all-zero rows
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def embedder(tmp_path):
    return CachedEmbedder(BagOfWordsModel(), "bow-64", tmp_path / "emb")


@pytest.fixture
def kb(embedder):
    return KnowledgeIndex.build(DOCS, embedder, method="markdown", size=200)


# --- chunking -----------------------------------------------------------------------------------------


def test_chunking_docstring():
    result = doctest.testmod(chunking)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("size, overlap", [(40, 0), (40, 10), (120, 30), (9, 4)])
def test_char_chunks_cover_text_keep_spans_and_respect_size(size, overlap):
    rng = random.Random(size * 100 + overlap)
    text = " ".join(rng.choice(["alpha", "be", "gamma\n", "delta,", "x"]) for _ in range(200))
    chunks = chunk_text(text, "doc", size, overlap)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= size for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    if overlap:  # neighbours share at least `overlap` characters (rounded to whole words)
        assert all(a.end - b.start >= min(overlap, 1) for a, b in zip(chunks, chunks[1:]))


def test_token_chunks_fit_the_embedder_tokenizer():
    from transformers import AutoTokenizer

    from course_utils.models import _package_weights

    tokenizer = AutoTokenizer.from_pretrained(_package_weights("all-minilm-l6-v2"))
    text = DOCS[0]["text"] * 5
    chunks = chunk_text(text, "k3", size=16, overlap=4, unit="tokens", tokenizer=tokenizer)
    assert len(chunks) > 3
    assert all(len(tokenizer(c.text, add_special_tokens=False)["input_ids"]) <= 16 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_markdown_chunks_follow_sections():
    chunks = chunk_markdown(DOCS[0]["text"], "prod-k3", title="Kettle K3")
    assert [c.section for c in chunks] == ["Kettle K3", "Price", "Specs"]
    assert "149 EUR" in chunks[1].text and chunks[1].chunk_id == "prod-k3#1"
    assert chunks[1].context_text.startswith("Kettle K3 / Price\n")
    long = "## Big\n" + "word " * 100
    assert all(len(c.text) <= 50 for c in chunk_markdown(long, "d", max_size=50))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: chunk_text("abc", "d", size=0), "positive integer"),
        (lambda: chunk_text("abc", "d", size=10, overlap=10), "overlap < size"),
        (lambda: chunk_text("abc", "d", unit="words"), "Unknown unit"),
        (lambda: chunk_text("abc", "d", unit="tokens"), "needs a tokenizer"),
        (lambda: chunk_documents(DOCS, method="semantic"), "Unknown chunking method"),
        (lambda: chunk_documents([DOCS[0], DOCS[0]]), "appears twice"),
        (lambda: chunk_documents([{"text": "no id"}]), "'id' and 'text'"),
    ],
)
def test_chunking_bad_inputs(call, message):
    with pytest.raises(ChunkingError, match=message):
        call()


def test_doc_ids_in_order():
    assert doc_ids_in_order(["a#2", "b#0", "a#0", "c#1"]) == ["a", "b", "c"]


# --- embedding cache ----------------------------------------------------------------------------------


def test_cache_second_run_embeds_nothing_and_changed_text_is_re_embedded(tmp_path):
    model = BagOfWordsModel()
    first = CachedEmbedder(model, "bow", tmp_path)
    vectors = first.encode(["a b", "c d", "a b"])
    assert first.stats == {"hits": 1, "misses": 2} and model.calls == 2  # duplicate embedded once
    again = CachedEmbedder(model, "bow", tmp_path)  # a "second run": new object, same folder
    assert np.array_equal(again.encode(["a b", "c d"]), vectors[:2])
    assert again.stats == {"hits": 2, "misses": 0} and model.calls == 2
    again.encode(["a b", "c d changed"])
    assert again.stats["misses"] == 1 and model.calls == 3
    other_model = CachedEmbedder(model, "another-model", tmp_path)  # key includes the model name
    other_model.encode(["a b"])
    assert other_model.stats["misses"] == 1


def test_encode_rejects_a_bare_string_and_handles_empty(embedder):
    with pytest.raises(EmbeddingError, match="wrap a single text"):
        embedder.encode("just one text")
    assert embedder.encode([]).shape == (0, 64)


def test_real_minilm_vectors_are_unit_length_and_cached(tmp_path):
    from course_utils.config import get_config

    emb = embeddings.load_cached_embedder(get_config(cache_dir=tmp_path))
    vecs = emb.encode(["How much is the K3?", "Kettle K3 list price: 149 EUR."])
    assert vecs.shape == (2, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert (tmp_path / "embeddings" / "all-minilm-l6-v2" / "embeddings.sqlite").exists()
    assert float(vecs[0] @ vecs[1]) > 0.3  # a question and its answer passage are close


# --- vector indexes, BM25, fusion ---------------------------------------------------------------------


def _unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    x = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_exact_index_equals_brute_force():
    x = _unit_vectors(500)
    scores, ids = VectorIndex.build(x, "exact").search(x[:10], 5)
    brute = np.argsort(-(x[:10] @ x.T), axis=1)[:, :5]
    assert np.array_equal(ids, brute)
    assert np.allclose(scores, np.take_along_axis(x[:10] @ x.T, brute, axis=1), atol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_find_most_true_neighbours(kind):
    x = _unit_vectors(4000)
    truth = VectorIndex.build(x, "exact").search(x[:100], 10)[1]
    found = VectorIndex.build(x, kind, nprobe=8).search(x[:100], 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found)])
    assert recall > 0.8


@pytest.mark.parametrize("kind", ["exact", "hnsw", "ivf"])
def test_save_load_round_trip_is_atomic(tmp_path, kind):
    x = _unit_vectors(2000)
    index = VectorIndex.build(x, kind, ids=np.arange(2000) + 1000)
    path = index.save(tmp_path / "idx.faiss")
    loaded = VectorIndex.load(path)
    assert loaded.kind == kind and loaded.ntotal == 2000
    assert np.array_equal(index.search(x[:5], 3)[1], loaded.search(x[:5], 3)[1])
    assert loaded.search(x[:1], 1)[1][0, 0] == 1000  # our ids, not positions
    assert os.listdir(tmp_path) == ["idx.faiss"]  # no temp file left behind


def test_corrupt_or_missing_index_file(tmp_path):
    bad = tmp_path / "bad.faiss"
    bad.write_bytes(b"this is not an index")
    with pytest.raises(RetrievalIndexError, match="corrupt"):
        VectorIndex.load(bad)
    with pytest.raises(RetrievalIndexError, match="No index file"):
        VectorIndex.load(tmp_path / "missing.faiss")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: VectorIndex.build(_unit_vectors(10), "annoy"), "Unknown index kind"),
        (lambda: VectorIndex.build(np.zeros((0, 8), "float32")), "empty"),
        (lambda: VectorIndex.build(np.zeros(8, "float32")), "2-D"),
        (lambda: VectorIndex.build(_unit_vectors(10, 32)).search(_unit_vectors(1, 16), 1), "16 dimensions"),
        (lambda: VectorIndex.build(_unit_vectors(10)).search(_unit_vectors(1), 0), "positive integer"),
        (lambda: VectorIndex.build(_unit_vectors(100), "hnsw").remove([1]), "cannot remove"),
    ],
)
def test_index_bad_inputs(call, message):
    with pytest.raises(RetrievalIndexError, match=message):
        call()


def test_bm25_prefers_shared_rare_words_and_drops_no_overlap():
    bm25 = BM25Index(["the kettle costs 149 EUR", "returns within 30 days", "support hours"])
    assert bm25.search(["kettle price"], 3)[0][0][0] == 0
    assert bm25.search(["zebra"], 3) == [[]]
    with pytest.raises(RetrievalIndexError, match="empty"):
        BM25Index([])


def test_reciprocal_rank_fusion_by_hand():
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k0=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["b"] == pytest.approx(1 / 62)
    result = doctest.testmod(indexes)
    assert result.attempted > 0 and result.failed == 0


# --- KnowledgeIndex: retrieval, update, persistence ----------------------------------------------------


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_retrieve_returns_ranked_hits_with_sources(kb, method):
    hits = kb.retrieve("What is the list price of the Kettle K3?", k=3, method=method)
    assert all(isinstance(h, Hit) for h in hits) and [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].doc_id == "prod-k3"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_k_larger_than_corpus_returns_every_chunk(kb):
    assert len(kb.retrieve("price", k=1000)) == len(kb)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(query="", k=3), "Empty query"),
        (dict(query="   ", k=3), "Empty query"),
        (dict(query="price", k=0), "positive integer"),
        (dict(query="price", k=-2), "positive integer"),
        (dict(query="price", k=2.5), "positive integer"),
        (dict(query="price", k=3, method="sparse"), "Unknown retrieval method"),
    ],
)
def test_retrieve_bad_inputs(kb, kwargs, message):
    with pytest.raises(RAGError, match=message):
        kb.retrieve(**kwargs)


def test_unknown_index_kind_fails_before_embedding(embedder):
    with pytest.raises(RetrievalIndexError, match="Unknown index kind 'annoy'"):
        KnowledgeIndex.build(DOCS, embedder, index_kind="annoy")
    assert embedder.stats["misses"] == 0


def test_embedder_with_another_dimension_is_refused_at_search(kb, tmp_path):
    kb.embedder = CachedEmbedder(BagOfWordsModel(dim=32), "bow-32", tmp_path / "other")
    with pytest.raises(RetrievalIndexError, match="32 dimensions but the index holds 64"):
        kb.retrieve("price", k=3)


def test_evaluate_scores_documents_by_their_best_chunk(kb):
    queries = ["Kettle K3 list price", "Mixer M5 power warranty"]
    scores = kb.evaluate(queries, [["prod-k3"], ["prod-m5", "returns"]], ks=(1, 3))
    # query 1 finds prod-k3 first; query 2 finds prod-m5 first, and "returns" is not in its top 3
    assert scores["recall@1"] == pytest.approx((1 + 0.5) / 2)
    assert scores["hit@1"] == 1.0 and scores["mrr"] == 1.0
    ranking = doc_ids_in_order([h.chunk.chunk_id for h in kb.retrieve(queries[1], k=len(kb))])
    assert len(ranking) == 4 and ranking[0] == "prod-m5"
    assert scores["recall@3"] == pytest.approx((1 + len({"prod-m5", "returns"} & set(ranking[:3])) / 2) / 2)


def test_empty_corpus_is_a_clear_error(embedder):
    with pytest.raises(RAGError, match="corpus is empty"):
        KnowledgeIndex.build([], embedder)
    with pytest.raises(RAGError, match="corpus is empty"):
        KnowledgeIndex.build([{"id": "blank", "text": "   \n"}], embedder)


@pytest.mark.parametrize("index_kind", ["exact", "hnsw", "ivf"])
def test_update_re_embeds_only_changed_documents(embedder, index_kind):
    kb = KnowledgeIndex.build(DOCS, embedder, method="markdown", size=200, index_kind=index_kind)
    new_docs = [dict(DOCS[0], text=DOCS[0]["text"].replace("149 EUR", "159 EUR"))] + DOCS[1:3]  # support removed
    new_docs.append({"id": "warranty", "title": "Warranty", "text": "Extended warranty costs 19 EUR a year."})
    report = kb.update(new_docs)
    assert (report.changed, report.added, report.removed) == (["prod-k3"], ["warranty"], ["support"])
    assert report.unchanged == ["prod-m5", "returns"]
    assert report.chunks_embedded == 2  # only the changed "Price" section and the new document
    # prod-k3 (3 sections) is re-chunked whole, plus the new document; prod-k3 and support (1) go out
    assert report.chunks_added == 4 and report.chunks_removed == 4
    assert kb.dense.ntotal == len(kb) and "support" not in {c.doc_id for c in kb.chunks.values()}
    top = kb.retrieve("Kettle K3 list price", k=1)[0]
    assert "159 EUR" in top.text
    assert kb.retrieve("extended warranty cost", k=1, method="bm25")[0].doc_id == "warranty"


def test_knowledge_index_save_load_and_mismatches(kb, tmp_path):
    kb.save(tmp_path / "kb")
    loaded = KnowledgeIndex.load(tmp_path / "kb", kb.embedder)
    question = "How long is the Mixer M5 warranty?"
    assert [h.chunk for h in loaded.retrieve(question, 3)] == [h.chunk for h in kb.retrieve(question, 3)]
    other = CachedEmbedder(BagOfWordsModel(dim=32), "bow-32", tmp_path / "other")
    with pytest.raises(RAGError, match="32-d"):
        KnowledgeIndex.load(tmp_path / "kb", other)
    (tmp_path / "kb.faiss").write_bytes(b"garbage")
    with pytest.raises(RAGError, match="does not match"):
        KnowledgeIndex.load(tmp_path / "kb", kb.embedder)
    with pytest.raises(RAGError, match="Cannot read"):
        KnowledgeIndex.load(tmp_path / "nothing-here", kb.embedder)


# --- prompts, citations, grounded generation ---------------------------------------------------------


def test_prompt_numbers_sources_and_citations_map_back(kb):
    hits = kb.retrieve("Kettle K3 price", k=3)
    messages = rag.build_prompt("How much is the K3?", hits)
    assert messages[0]["role"] == "system" and rag.NOT_FOUND in messages[0]["content"]
    assert "[1] Kettle K3:" in messages[1]["content"] and "[3]" in messages[1]["content"]
    assert messages[1]["content"].endswith("Question: How much is the K3?")
    assert rag.cited_doc_ids("149 EUR [1, 3] and [9]", hits) == list(dict.fromkeys([hits[0].doc_id, hits[2].doc_id]))
    assert rag.strip_citations("It costs 149 EUR [1].") == "It costs 149 EUR ."
    with pytest.raises(rag.GroundingError, match="Empty question"):
        rag.build_prompt(" ", hits)


def test_attribution_finds_the_source_and_skips_refusals(kb):
    hits = kb.retrieve("How long do returns take?", k=3)
    assert rag.attributed_doc_ids("Within 30 days of delivery.", hits, "How long do returns take?") == ["returns"]
    assert rag.attributed_doc_ids("That is not in the knowledge base.", hits) == []
    assert rag.attributed_doc_ids("Purple elephants.", hits) == []
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(grounding.attributed_doc_ids, globs=vars(grounding)):
        runner.run(test)
    assert runner.tries > 0 and runner.failures == 0


def test_grounded_answer_with_the_real_generator(tmp_path):
    from course_utils import models
    from course_utils.config import get_config

    config = get_config(cache_dir=tmp_path)
    model, tokenizer = models.load_generator(config=get_config())
    emb = embeddings.load_cached_embedder(config)
    kb = KnowledgeIndex.build(DOCS, emb, method="markdown", size=200)
    result = rag.answer_question("How long do I have to return a product?", kb, model, tokenizer, k=2, max_new_tokens=24)
    assert result.hits[0].doc_id == "returns"
    assert "30 days" in result.answer
    assert set(result.source_doc_ids) <= {h.doc_id for h in result.hits}


# --- exercise checks (notebooks 01-02) -----------------------------------------------------------------


def test_exercise_checks_accept_solutions_reject_mistakes_and_tolerate_stubs(capsys):
    from course_utils.exercises import rag as checks

    def stub(*args):
        raise NotImplementedError

    for check in (checks.check_chunker, checks.check_top_k, checks.check_recall_at_k, checks.check_cited_ids):
        check(stub)
        assert "Not done yet" in capsys.readouterr().out

    checks.check_chunker(lambda t, s, o: [t[i : i + s] for i in range(0, max(len(t) - o, 1), s - o)])
    checks.check_top_k(lambda q, v, k: np.argsort(-(v @ q))[:k])
    checks.check_recall_at_k(lambda r, rel, k: len(set(list(dict.fromkeys(r))[:k]) & set(rel)) / len(rel))
    checks.check_fix_for_failure({"multi_doc": "retrieve more", "distractor": "rerank", "unanswerable": "rerank"})
    checks.check_fix_for_failure({"multi_doc": "split the question", "distractor": "metadata filter",
                                  "unanswerable": "train the reader to abstain"})
    checks.check_retrieval_budget(0.903, 416, 150, 3)
    assert capsys.readouterr().out.count("Correct") == 6

    def cited_ids(answer, doc_ids):  # as in notebooks/solutions/01_02_solutions.md
        numbers = [int(n) for group in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", answer) for n in group.split(",")]
        return list(dict.fromkeys(doc_ids[n - 1] for n in numbers if 1 <= n <= len(doc_ids)))

    checks.check_cited_ids(cited_ids)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="sources count from 1"):  # off by one
        checks.check_cited_ids(lambda a, ids: [ids[int(n)] for n in re.findall(r"\[(\d+)\]", a) if int(n) < len(ids)])
    with pytest.raises(AssertionError, match="keep each document once"):  # duplicates kept
        checks.check_cited_ids(lambda a, ids: [ids[int(n) - 1] for n in re.findall(r"\d+", a) if 0 < int(n) <= len(ids)])
    with pytest.raises(AssertionError, match="skip numbers outside"):  # no range check
        checks.check_cited_ids(lambda a, ids: list(dict.fromkeys(
            ids[(int(n) - 1) % len(ids)] for g in re.findall(r"\[([\d, ]+)\]", a) for n in g.split(","))))

    with pytest.raises(AssertionError, match="size - overlap"):
        checks.check_chunker(lambda t, s, o: [t[i : i + s] for i in range(0, len(t), s)])  # ignores overlap
    with pytest.raises(AssertionError, match="argsort"):
        checks.check_top_k(lambda q, v, k: np.argsort(v @ q)[:k])  # smallest first
    with pytest.raises(AssertionError, match="count each document once"):
        checks.check_recall_at_k(lambda r, rel, k: len(set(r[:k]) & set(rel)) / len(rel))  # duplicates
    with pytest.raises(AssertionError, match="below the target"):
        checks.check_retrieval_budget(0.5, 300, 50, 3)
    with pytest.raises(AssertionError, match="over the budget"):
        checks.check_retrieval_budget(0.935, 1638, 400, 5)
    checks.check_retrieval_budget(None, None, None, 3)
    assert "Not done yet" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not one of the options"):
        checks.check_fix_for_failure({"multi_doc": "abstain", "distractor": "rerank", "unanswerable": "rerank"})
    with pytest.raises(AssertionError, match="two different pages"):
        checks.check_fix_for_failure({"multi_doc": "bigger chunks", "distractor": "rerank", "unanswerable": "rerank"})
    with pytest.raises(AssertionError, match="section 4.3's table"):
        checks.check_fix_for_failure({"multi_doc": "retrieve more", "distractor": "rerank",
                                      "unanswerable": "score threshold"})
    assert all(r in checks.REMEDIES for right in checks.RIGHT.values() for r in right)


# --- bad input: a clear error of the module's own type, never characters read one by one ----------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: chunk_text(None, "doc"), ChunkingError, "as a string"),
    (lambda: chunk_text("some text", "doc", size=True), ChunkingError, "positive integer"),
    (lambda: chunk_text("some text", "doc", size=40, overlap=True), ChunkingError, "Overlap"),
    (lambda: BM25Index(["a kettle", "a toaster"]).search("kettle", 1), RetrievalIndexError, "list of queries"),
    (lambda: BM25Index(["a kettle", "a toaster"]).search(["kettle"], True), RetrievalIndexError, "positive integer"),
    (lambda: reciprocal_rank_fusion([["a"], ["a", "b"]], k0=-1), RetrievalIndexError, "k0"),
    (lambda: grounding.answer_batch("How much is the K3?", None, None, None), grounding.GroundingError, "list of questions"),
    (lambda: grounding.closed_book_batch("How much is the K3?", None, None), grounding.GroundingError, "list of questions"),
])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_retrieve_batch_reads_a_generator_of_queries_once(kb):
    queries = ["How much does the K3 cost?", "kettle warranty"]
    assert [[h.chunk.doc_id for h in hits] for hits in kb.retrieve_batch((q for q in queries), 2)] == \
        [[h.chunk.doc_id for h in hits] for hits in kb.retrieve_batch(queries, 2)]


@pytest.mark.parametrize("damage", ["no checksum", "no chunks", "chunks of the wrong shape"])
def test_a_knowledge_index_with_damaged_metadata_is_refused(kb, tmp_path, damage):
    import json

    kb.save(tmp_path / "kb")
    meta_path = tmp_path / "kb.json"
    meta = json.loads(meta_path.read_text())
    if damage == "no checksum":
        del meta["index_sha256"]
        expected = "does not match"
    elif damage == "no chunks":
        del meta["chunks"]
        expected = "incomplete or damaged"
    else:
        meta["chunks"] = {"0": {"unknown": 1}}
        expected = "incomplete or damaged"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(RAGError, match=expected):
        KnowledgeIndex.load(tmp_path / "kb", kb.embedder)


def test_vector_ids_must_be_unique_and_not_negative(tmp_path):
    vectors = np.eye(4, dtype=np.float32)
    with pytest.raises(RetrievalIndexError, match=">= 0"):
        VectorIndex.build(vectors, ids=[0, 1, 2, -1])
    with pytest.raises(RetrievalIndexError, match="used twice"):
        VectorIndex.build(vectors, ids=[0, 1, 1, 2])
    index = VectorIndex.build(vectors[:2], ids=[10, 11])
    with pytest.raises(RetrievalIndexError, match=r"\[11\] would be used twice"):
        index.add(vectors[2:], [11, 12])
    index.add(vectors[2:], [12, 13])
    assert index.ntotal == 4


def test_a_faiss_file_not_written_by_the_course_is_refused(tmp_path):
    import faiss

    plain = faiss.IndexFlatIP(4)
    plain.add(np.eye(4, dtype=np.float32))
    faiss.write_index(plain, str(tmp_path / "plain.faiss"))
    with pytest.raises(RetrievalIndexError, match="not one written by VectorIndex.save"):
        VectorIndex.load(tmp_path / "plain.faiss")
    other = faiss.IndexIDMap2(faiss.IndexFlatL2(4))
    faiss.write_index(other, str(tmp_path / "l2.faiss"))
    with pytest.raises(RetrievalIndexError, match="IndexFlatL2"):
        VectorIndex.load(tmp_path / "l2.faiss")


@pytest.mark.parametrize("damage", ["not a database", "a vector cut short"])
def test_a_damaged_embedding_cache_is_set_aside_not_used(tmp_path, damage):
    import sqlite3

    first = CachedEmbedder(BagOfWordsModel(), "bow-64", tmp_path / "emb")
    expected = first.encode(["kettle price", "warranty"])
    first.close()
    path = tmp_path / "emb" / "embeddings.sqlite"
    if damage == "not a database":
        path.write_bytes(b"this is not SQLite" * 100)
    else:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE vectors SET vector = substr(vector, 1, 8)")
    again = CachedEmbedder(BagOfWordsModel(), "bow-64", tmp_path / "emb")
    with pytest.warns(UserWarning, match="damaged"):
        vectors = again.encode(["kettle price", "warranty"])
    np.testing.assert_allclose(vectors, expected)
    assert again.stats["misses"] == 2 and (tmp_path / "emb" / "embeddings.corrupt").exists()


def test_a_bare_sentence_transformer_is_wrapped_not_a_traceback():
    # models.load_embedder() returns the sentence-transformers model itself; the index wraps it as the course embeds.
    from course_utils import models

    kb = rag.KnowledgeIndex.build([{"id": "d1", "title": "Kettle", "text": "The K3 kettle holds 1.6 litres."},
                                   {"id": "d2", "title": "Lamp", "text": "The Quenby lamp costs 49 EUR."}],
                                  models.load_embedder())
    assert kb.retrieve("How much water does the kettle hold?", k=1)[0].doc_id == "d1"
