"""The checks of notebook 05's exercises: they accept the solutions and reject typical wrong answers with a hint."""

import pytest

from course_utils import support
from course_utils.exercises import combined as checks
from course_utils.rag import KnowledgeIndex
from course_utils.embeddings import CachedEmbedder

from test_rag import DOCS, BagOfWordsModel


def precision(sources, gold):
    return len(set(sources) & set(gold)) / len(set(sources)) if sources else 0.0


def recall(sources, gold):
    return len(set(sources) & set(gold)) / len(set(gold))


def test_citation_precision_solution_passes(capsys):
    checks.check_citation_precision(precision)
    assert "Correct" in capsys.readouterr().out


def test_citation_recall_gets_the_recall_hint():
    with pytest.raises(AssertionError, match="recall"):
        checks.check_citation_precision(recall)


def test_citation_stub_is_not_done(capsys):
    checks.check_citation_precision(lambda s, g: None)
    assert "Not done yet" in capsys.readouterr().out


@pytest.fixture
def hits(tmp_path):
    kb = KnowledgeIndex.build(DOCS, CachedEmbedder(BagOfWordsModel(), "bow-64", tmp_path), size=200)
    return kb.retrieve("kettle price", k=2)


def question_first(question, hits):
    user = f"Question: {question}\n\nDocuments:\n{support.format_documents(hits)}"
    return [{"role": "system", "content": support.SUPPORT_SYSTEM}, {"role": "user", "content": user}]


def test_question_first_solution_passes(hits, capsys):
    checks.check_question_first(question_first, hits)
    assert "Correct" in capsys.readouterr().out


def test_question_last_is_rejected(hits):
    with pytest.raises(AssertionError, match="before"):
        checks.check_question_first(support.build_messages, hits)


def test_unlabelled_documents_are_rejected(hits):
    def unlabelled(question, hits):
        docs = "\n".join(h.text for h in hits)
        return [{"role": "system", "content": support.SUPPORT_SYSTEM}, {"role": "user", "content": f"{question}\n{docs}"}]

    with pytest.raises(AssertionError, match="Label every document"):
        checks.check_question_first(unlabelled, hits)


def test_other_system_prompt_is_rejected(hits):
    def other(question, hits):
        return [{"role": "system", "content": "Be brief."}, question_first(question, hits)[1]]

    with pytest.raises(AssertionError, match="same system message"):
        checks.check_question_first(other, hits)


def test_order_prediction_is_judged_by_direction_and_noise(capsys):
    last = [True] * 4 + [False] * 4
    checks.check_order_prediction(None, last, None)
    assert "Not done yet: set `order_prediction`" in capsys.readouterr().out
    # the same number right, on different questions: 'same' by direction, and the comparison says it is noise
    checks.check_order_prediction("same", last, [False] * 2 + [True] * 2 + [True] * 2 + [False] * 2)
    out = capsys.readouterr().out
    assert "Correct" in out and "gave as many questions right as" in out and "within the noise of 8 questions" in out
    with pytest.raises(AssertionError, match="The measurement says 'fewer'"):
        checks.check_order_prediction("same", last, [False] * 8)
    with pytest.raises(AssertionError, match="not 'worse'"):
        checks.check_order_prediction("worse", last, [False] * 8)
    with pytest.raises(ValueError, match="on the same questions"):
        checks.check_order_prediction("fewer", last, [False] * 7)
    with pytest.raises(ValueError, match="on the same questions"):
        checks.check_order_prediction("fewer", last, None)


def test_reader_update_prediction(capsys):
    checks.check_reader_update_prediction(None, 0.0, 0.5)
    assert "Not done yet" in capsys.readouterr().out
    checks.check_reader_update_prediction("new", 0.0, 0.5)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="measurement says 'new'"):
        checks.check_reader_update_prediction("old", 0.0, 0.5)
    with pytest.raises(AssertionError, match="'old' or 'new'"):
        checks.check_reader_update_prediction("v2", 0.0, 0.5)


def test_updated_rows_solution_passes_and_the_v1_answers_get_a_hint(capsys):
    from course_utils import systems

    train, test = support.load_task("train"), systems.scored_questions(support.load_task("test"))
    facts = support.closed_book_facts(train, test, extra_unanswerable=10, seed=0)
    checks.check_updated_rows(lambda f: support.closed_book_rows(f.assign(target=f["target_v2"])), facts)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="target_v2"):
        checks.check_updated_rows(support.closed_book_rows, facts)
    with pytest.raises(AssertionError, match="prompts"):
        checks.check_updated_rows(lambda f: [{"prompt": "Q: " + q, "answer": support.target_json(t)}
                                             for q, t in zip(f["question"], f["target_v2"])], facts)
    with pytest.raises(AssertionError, match="one row per training question"):
        checks.check_updated_rows(lambda f: support.closed_book_rows(f.assign(target=f["target_v2"]))[:5], facts)


def test_wilson_solution_passes_and_the_normal_approximation_gets_a_hint(capsys):
    from course_utils.evaluate.uncertainty import wilson

    checks.check_wilson_interval(wilson)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="normal approximation"):
        checks.check_wilson_interval(lambda k, n: (k / n - 1.96 * (k / n * (1 - k / n) / n) ** 0.5,
                                                   k / n + 1.96 * (k / n * (1 - k / n) / n) ** 0.5))


def test_discordant_solution_passes_and_counting_all_gets_a_hint(capsys):
    checks.check_discordant(lambda a, b: (sum(x and not y for x, y in zip(a, b)), sum(y and not x for x, y in zip(a, b))))
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="both got right"):
        checks.check_discordant(lambda a, b: (sum(a), sum(b)))


def test_retrain_prediction_waits_then_judges_by_direction(capsys):
    old_before = [True] * 5 + [False] * 25
    checks.check_retrain_prediction(None, old_before, None)
    assert "Not done yet: set `retrain_prediction`" in capsys.readouterr().out
    checks.check_retrain_prediction("fewer", old_before, [True] * 2 + [False] * 28)
    out = capsys.readouterr().out
    assert "Correct" in out and "fewer changed questions stating the value than" in out and "within the noise of 30" in out
    with pytest.raises(AssertionError, match="The measurement says 'more'"):
        checks.check_retrain_prediction("same", old_before, [True] * 12 + [False] * 18)
