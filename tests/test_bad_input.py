"""The bad-input table: for the public functions of course_utils that need no model, wrong types, empty data and
out-of-range knobs each raise the kit's own error class with a message that says what to pass instead. Functions
that need a loaded model have theirs next to their other tests (test_models, test_finetune, test_rag, test_support).
`test_the_table_covers_the_public_api` prints the table's size and its share of the public functions."""

import re

import numpy as np
import pandas as pd
import pytest

from course_utils import chunking, config, costs, data, decision, finetune, grounding, indexes, injection, models, results, support
from course_utils.evaluate import answers, generation, meters, retrieval

DF = pd.DataFrame
# (function, args, kwargs, error class, a phrase the message must contain: what is wrong or what to do)
TABLE = [
    (chunking.chunk_text, (None, "d"), {}, chunking.ChunkingError, "text"),
    (chunking.chunk_text, ("abc", "d"), {"size": 0}, chunking.ChunkingError, "size"),
    (chunking.chunk_text, ("abc", "d"), {"size": True}, chunking.ChunkingError, "size"),
    (chunking.chunk_text, ("abc", "d"), {"size": 10, "overlap": 10}, chunking.ChunkingError, "overlap"),
    (chunking.chunk_documents, ("doc",), {}, chunking.ChunkingError, "'id' and 'text'"),
    (chunking.chunk_documents, ([{"id": "a"}],), {}, chunking.ChunkingError, "'id' and 'text'"),
    (chunking.doc_ids_in_order, ("a#0",), {}, chunking.ChunkingError, "Wrap one in a list"),
    (config.get_config, (), {"profile": "huge"}, config.ConfigError, "Choose one of"),
    (config.get_config, (), {"seed": "5"}, config.ConfigError, "Example: get_config(seed=42)"),
    (config.seed_everything, ("a",), {}, config.ConfigError, "Example: seed_everything(42)"),
    (config.seed_everything, (-1,), {}, config.ConfigError, "whole number"),
    (costs.Workload, (), {"queries_per_day": -1}, costs.CostInputError, "queries_per_day"),
    (costs.Workload, (), {"months": "two"}, costs.CostInputError, "months"),
    (costs.months_in_words, (-1,), {}, costs.CostInputError, "cannot be negative"),
    (costs.break_even, ("a", 1, 0, 2), {}, costs.CostInputError, "must be a number"),
    (data.read_jsonl, ("/nonexistent/file.jsonl",), {}, data.DatasetError, "datasets/build.py"),
    (data.load_kb, ("v9",), {}, data.DatasetError, "Use 'v1'"),
    (data.load_schema, ("nope",), {}, data.DatasetError, "Use one of"),
    (data.load_support, ("nope",), {}, data.DatasetError, "Use one of"),
    (data.load_questions, ("nope",), {}, data.DatasetError, "Use one of"),
    (data.parse_markdown_doc, ("no front matter",), {}, data.DatasetError, "front matter"),
    (decision.check_setting, ("nope", 1), {}, decision.UnknownCriterionError, "Known criteria"),
    (decision.check_setting, ("knowledge_freshness", 99), {}, decision.DecisionInputError, "one of"),
    (decision.check_setting, ("knowledge_freshness", "often"), {}, decision.DecisionInputError, "whole number"),
    (decision.decide, ({"nope": 1},), {}, decision.UnknownCriterionError, "Known criteria"),
    (decision.recommend, ({"nope": 1},), {}, decision.UnknownCriterionError, "Known criteria"),
    (decision.preset, ("nope",), {}, decision.UnknownPresetError, "Known use cases"),
    (finetune.LoraSettings, (), {"rank": 0}, finetune.FinetuneError, "Typical values"),
    (finetune.LoraSettings, (), {"dropout": 1.0}, finetune.FinetuneError, "[0, 1)"),
    (finetune.LoraSettings, (), {"target_modules": "q_proj"}, finetune.FinetuneError, "tuple of layer names"),
    (finetune.LoraSettings, (), {"layers": (-1,)}, finetune.FinetuneError, "layer numbers >= 0"),
    (finetune.TrainSettings, (), {"steps": 0}, finetune.FinetuneError, "positive integer"),
    (finetune.TrainSettings, (), {"steps": True}, finetune.FinetuneError, "steps must be a positive integer, got True"),
    (finetune.LoraSettings, (), {"rank": True}, finetune.FinetuneError, "rank must be a positive integer, got True"),
    (finetune.TrainSettings, (), {"learning_rate": 0}, finetune.FinetuneError, "Try 1e-3"),
    (finetune.folder_size_mb, ("/nonexistent-adapter",), {}, finetune.FinetuneError, "adapter_dir"),
    (finetune.load_adapter, (None, "/nonexistent-adapter"), {}, finetune.CheckpointNotFoundError, "train_lora"),
    (grounding.build_prompt, ("", []), {}, grounding.GroundingError, "Empty question"),
    (grounding.format_sources, ("abc",), {}, grounding.GroundingError, "KnowledgeIndex.retrieve"),
    (grounding.format_sources, (["abc"],), {}, grounding.GroundingError, "rag.Hit"),
    (grounding.cited_doc_ids, (None, []), {}, grounding.GroundingError, "a string"),
    (indexes.BM25Index, ([],), {}, indexes.RetrievalIndexError, "corpus is empty"),
    (injection.poison_documents, ([{"id": "a", "text": "x"}], "b"), {}, injection.InjectionError, "Pick one of"),
    (injection.poison_documents, ([{"id": "a", "text": "x"}], "a", ""), {}, injection.InjectionError, "non-empty"),
    (injection.followed, (None,), {}, injection.InjectionError, "model's text"),
    (injection.filter_instructions, (3,), {}, injection.InjectionError, "a string"),
    (injection.filtered_hits, ("abc",), {}, injection.InjectionError, "KnowledgeIndex.retrieve"),
    (injection.guarded_prompt, (" ", []), {}, injection.InjectionError, "Empty question"),
    (meters.check_memory, ("lots", "x"), {}, ValueError, "number of MiB"),
    (indexes.reciprocal_rank_fusion, ([[1]],), {"k0": -1}, indexes.RetrievalIndexError, "60 is the usual"),
    (results.check_scoreboard, ("x",), {}, results.ResultsError, "Run notebook 05"),
    (results.read_scoreboard, ("/nonexistent/scoreboard.json",), {}, results.ResultsError, "Run notebook 05"),
    (results.scoreboard_record, ({"rag": "RAG"}, None), dict(correct={}, strata=None, gains=None, settings={},
     peak_memory_mb=0), results.ResultsError, "score every system"),
    (results.update_record, ({"rag": "RAG"},), dict(update=None, n_changed=0, latency={}, update_costs={}, settings={},
     peak_memory_mb=0), results.ResultsError, "time every system"),
    (results.read_scoreboard, ("/nonexistent/scoreboard_update.json", "05b"), {}, results.ResultsError,
     "Run notebook 05b"),
    (results.fraction, (5, 3), {}, results.ResultsError, "0 <= k <= n"),
    (results.fraction, (0, 0), {}, results.ResultsError, "n > 0"),
    (results.save_lesson, ("01_rag_from_scratch", {}), {}, results.ResultsError, "at least one figure"),
    (results.save_lesson, ("01_rag_from_scratch", {"x": "high"}), {}, results.ResultsError, "use a number, a bool"),
    (results.lesson_table, ({"x": [1, 2]},), {}, results.ResultsError, "use a number, a bool"),
    (support.check_target, ("x",), {}, support.SupportError, "exactly the keys"),
    (support.check_target, ({"answer": "a"},), {}, support.SupportError, "exactly the keys"),
    (support.build_messages, ("",), {}, support.SupportError, "nothing to answer"),
    (support.build_messages, ("q", "hits"), {}, support.SupportError, "KnowledgeIndex.retrieve"),
    (support.format_documents, ([{"doc_id": "a"}],), {}, support.SupportError, "rag.Hit"),
    (support.score, (["{}"], DF({"target": [{}, {}]})), {}, support.SupportError, "one output per question"),
    (support.score, ([], DF()), {"version": "v3"}, support.SupportError, "'v1' or 'v2'"),
    (support.percentile, ([], 90), {}, support.SupportError, "No timings"),
    (support.answer_tokens, (None, []), {}, support.SupportError, "generate the system's answers first"),
    (support.measure_latency, (None, None, [], 10), {}, support.SupportError, "No questions to time"),
    (support.measure_latency, (None, None, ["q"], -1), {}, support.SupportError, "support.answer_tokens"),
    (models.mean_prompt_tokens, (None, []), {}, ValueError, "No conversations"),
    (support.percentile, ([1.0, 2.0], 200), {}, support.SupportError, "from 0 to 100"),
    (support.summarize, (DF(),), {}, support.SupportError, "score at least one output"),
    (support.load_task, ("nope",), {}, data.DatasetError, "Use one of"),
    (answers.answer_accuracy, (["a"], ["x", "y"]), {}, ValueError, "one per question"),
    (answers.exact_match, ("x", "the"), {}, ValueError, "empty after normalisation"),
    (generation.json_parse_rate, ([],), {}, ValueError, "Generate some answers first"),
    (generation.schema_validity, ([], {}), {}, ValueError, "Generate some answers first"),
    (generation.field_accuracy, (["{}"], [{}]), {}, ValueError, "fields="),
    (retrieval.recall_at_k, (["a"], ["a"], 0), {}, retrieval.MetricError, "positive integer"),
    (retrieval.recall_at_k, (["a"], [], 1), {}, retrieval.MetricError, "Leave unanswerable questions out"),
    (retrieval.ndcg_at_k, ("abc", ["a"], 2), {}, retrieval.MetricError, "list of document ids"),
    (retrieval.precision_at_k, (["a"], "a", 1), {}, retrieval.MetricError, "Wrap one id in a list"),
]


def _name(row):
    fn, args, kwargs = row[:3]
    shown = ", ".join([repr(a)[:20] for a in args] + [f"{k}={v!r}"[:24] for k, v in kwargs.items()])
    return f"{fn.__qualname__}({shown})"


@pytest.mark.parametrize("fn, args, kwargs, error, hint", TABLE, ids=[_name(r) for r in TABLE])
def test_bad_input_gets_the_kits_error_with_a_hint(fn, args, kwargs, error, hint):
    with pytest.raises(error) as caught:
        fn(*args, **kwargs)
    assert hint in str(caught.value), f"the message should say {hint!r}: {caught.value}"
    assert len(str(caught.value)) > 20, "a message that says what is wrong and what to do"


def public_functions():
    import inspect

    from course_utils import diagrams, models, progress, rag

    modules = [chunking, config, costs, data, decision, diagrams, finetune, grounding, indexes, injection, models,
               progress, rag, results, support, answers, generation, meters, retrieval]
    names = set()
    for module in modules:
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                names.add(f"{module.__name__}.{name}")
    return names


def test_the_table_covers_the_public_api(capsys):
    covered = {f"{row[0].__module__}.{row[0].__name__}" for row in TABLE if not isinstance(row[0], type)}
    public = public_functions()
    with capsys.disabled():
        print(f"\nbad-input table: {len(TABLE)} rows; they call {len(covered & public)} of the {len(public)} public "
              f"functions ({len(covered & public) / len(public):.0%}); functions that need a model are checked in "
              f"their modules' tests")
    assert len(covered & public) >= 40
