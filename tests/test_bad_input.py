"""The bad-input table: for the public functions of course_utils that need no model, wrong types, empty data and
out-of-range knobs each raise the kit's own error class with a message that says what to pass instead. Functions
that need a loaded model have theirs next to their other tests (test_models, test_finetune, test_rag, test_support).
`test_every_public_function_has_a_row_or_a_reason` holds the table to the public surface and prints its size."""

import importlib
import inspect
import pkgutil
import random
import re

import numpy as np
import pandas as pd
import pytest

import course_utils
from course_utils import (chunking, config, costs, data, decision, decision_widgets, finetune, formatting, grounding, indexes,
                          injection, models, results, structured, support)
from course_utils.evaluate import answers, generation, meters, retrieval, uncertainty

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
    # --- rows added with the public-surface check: functions that already raise the kit's error
    (chunking.chunk_markdown, ("abc", "d"), {"max_size": 0}, chunking.ChunkingError, "positive integer"),
    (config.check_whole_number, ("a", "n"), {}, config.ConfigError, "positive integer"),
    (config.check_seed, ("a",), {}, config.ConfigError, "whole number"),
    (costs.systems_table, ({},), {"price_per_hour": -1}, costs.CostInputError, "Enter 0 or more"),
    (costs.UnitCosts, ({"RAG": 1}, 0.1, {}, "assumed", ""), {}, costs.CostInputError, "lack the approach"),
    (data.load_extraction, ("nope",), {}, data.DatasetError, "Use one of"),
    (data.load_style, ("nope",), {}, data.DatasetError, "Use one of"),
    (decision.check_settings, ({"nope": 1},), {}, decision.UnknownCriterionError, "Known criteria"),
    (decision.holds, ({"nope": 1},), {}, decision.UnknownCriterionError, "Known criteria"),
    (decision_widgets.Workbench, (), {"settings": {"nope": 1}}, decision.UnknownCriterionError, "Known criteria"),
    (generation.style_adherence, ([], {}), {}, retrieval.MetricError, "Generate some answers first"),
    (retrieval.hit_at_k, (["a"], ["a"], 0), {}, retrieval.MetricError, "positive integer"),
    (retrieval.reciprocal_rank, ("abc", ["a"]), {}, retrieval.MetricError, "Wrap one id in a list"),
    (retrieval.mean_metrics, ([["a"]], [["a"], ["b"]]), {}, retrieval.MetricError, "one of each per query"),
    (retrieval.mean_metrics, ([["a"]], [["a"]]), {"names": ["nope"]}, retrieval.MetricError, "Use one of"),
    (uncertainty.wilson, (5, 3), {}, retrieval.MetricError, "0 <= k <= n"),
    (uncertainty.Share, (5, 3), {}, retrieval.MetricError, "0 <= k <= n"),
    (uncertainty.compare, ([True], [True, False]), {}, retrieval.MetricError, "same questions"),
    (finetune.train_settings, ("nope",), {}, finetune.FinetuneError, "The course's runs"),
    (formatting.to_messages, (None, "a"), {}, formatting.FormattingError, "non-empty string"),
    (formatting.build_training_set, (None, [], 64), {}, formatting.FormattingError, "training set is empty"),
    (grounding.check_hits, ("abc",), {}, grounding.GroundingError, "KnowledgeIndex.retrieve"),
    (grounding.source_texts, ("abc",), {}, grounding.GroundingError, "KnowledgeIndex.retrieve"),
    (grounding.answer_batch, ("q", None, None, None), {}, grounding.GroundingError, "list of questions"),
    (grounding.closed_book_batch, ("q", None, None), {}, grounding.GroundingError, "list of questions"),
    (models._package_weights, ("nope",), {}, models.ModelNotAvailableError, "offline models"),
    (models.is_prepared, ("nope",), {}, models.ModelNotAvailableError, "offline models"),
    (models.prepare, (["nope"],), {}, models.ModelNotAvailableError, "offline models"),
    (models.resolve_model, ("nope",), {}, models.ModelNotAvailableError, "Offline models"),
    (models.load_generator, ("nope",), {}, models.ModelNotAvailableError, "Offline models"),
    (models.load_embedder, ("nope",), {}, models.ModelNotAvailableError, "Offline models"),
    (models.generation_precision, ("huge",), {}, models.GenerationError, "must be one of"),
    (models.GenerationSettings, (), {"max_new_tokens": 0}, models.GenerationError, "max_new_tokens must be"),
    (models.GenerationSettings, (), {"batch_size": True}, models.GenerationError, "batch_size must be"),
    (models.GenerationSettings, (), {"precision": "fp16"}, models.GenerationError, "precision must be one of"),
    (models.GenerationSettings, (), {"prefill": None}, models.GenerationError, "prefill must be text"),
    (models.generation_settings, ("fastest",), {}, models.GenerationError, "Unknown generation use"),
    (models.generation_settings, ("chat",), {"tokens": 8}, models.GenerationError, "Unknown generation setting"),
    (results.load_lesson, ("nope",), {}, results.ResultsError, "Run notebook nope"),
    (results.lesson_figures, ("nope",), {}, results.ResultsError, "Run notebook nope"),
    (structured.compile_schema, (None, "x"), {}, structured.StructuredDecodingError, "non-empty dict"),
    (support.target_json, ("x",), {}, support.SupportError, "exactly the keys"),
    (support.decoding_schema, (None,), {"answer_chars": 0}, support.SupportError, "whole number"),
    (support.gold_shown, ([[]], DF()), {}, support.SupportError, "once per question"),
    (support.gains, (DF(),), {}, support.SupportError, "score at least one output"),
    (support.reader_rows, (None, DF()), {"k": 0}, support.SupportError, "positive integer"),
    (support.reader_context, (None, "q", {}, 3, "nope", random.Random(0)), {}, support.SupportError, "'gold' or 'distractors'"),
    (config.fit_threads_to_cpu_budget, ("2",), {}, config.ConfigError, "budget must be"),
    (config.fit_threads_to_cpu_budget, (0,), {}, config.ConfigError, "budget must be"),
    (generation.schema_errors, ("{}", "schema"), {}, generation.MetricError, "data.load_schema()"),
    (generation.style_rule_results, (None, {}), {}, generation.MetricError, "a string"),
    (generation.style_rule_results, ("Hi.", {"sign_off": "-- K"}), {}, generation.MetricError, "data.load_style_rules()"),
    (finetune.settings_from, ({},), {"stepz": 3}, finetune.FinetuneError, "Unknown training setting"),
    (finetune.training_memory_mb, (finetune.TrainSettings(), "fp8"), {}, finetune.FinetuneError, "'fp32' or 'bf16'"),
    (grounding.strip_citations, (None,), {}, grounding.GroundingError, "a string"),
    (grounding.attributed_doc_ids, ("It costs 149 EUR.", "hits"), {}, grounding.GroundingError, "list of retrieved chunks"),
    (models.bf16_supported, ("tpu",), {}, models.GenerationError, "'cpu' or 'cuda'"),
    (results.reference_figures, ("07_extra",), {}, results.ResultsError, "Unknown notebook"),
    (results.course_figures, ("07_extra",), {}, results.ResultsError, "Unknown notebook"),
    (results.check_notebook, ("02",), {}, results.ResultsError, "02_rag_in_practice"),
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


# Public callables with no row above, each with the reason. "TODO: no check yet" marks a real gap: a function that takes
# user input but answers bad input with a bare traceback or a silently wrong result.
RECORD = "a result record the kit builds and returns; nobody builds it from user input"
NO_INPUT = "takes no user input (no parameters, or only a config)"
NO_ROW = {
    # chunking
    "course_utils.chunking.Chunk": RECORD + " (chunk_text/chunk_markdown make it)",
    # claims
    "course_utils.claims.gap": "internal to the article-claims table: figure names are the kit's own; tests/test_claims.py checks every claim's checks exist",
    "course_utils.claims.figure": "internal to the article-claims table: figure names are the kit's own; tests/test_claims.py checks every claim's checks exist",
    "course_utils.claims.lowest": "internal to the article-claims table: figure names are the kit's own; tests/test_claims.py checks every claim's checks exist",
    "course_utils.claims.highest": "internal to the article-claims table: figure names are the kit's own; tests/test_claims.py checks every claim's checks exist",
    "course_utils.claims.holds": "internal to the article-claims table: quantities and bounds are the kit's own constants",
    "course_utils.claims.ArticleClaim": "a constant table entry of the kit (claims.ARTICLE_CLAIMS), not user input",
    "course_utils.claims.verdict_table": "its figures come from results.course_figures; tests/test_claims.py checks the verdicts",
    "course_utils.claims.markdown": "formats the rows verdict_table returns",
    # config
    "course_utils.config.Profile": "a constant table entry of the kit (the profiles get_config chooses from; get_config has rows)",
    "course_utils.config.Knob": "a constant table entry of the kit (the environment knobs get_config reads)",
    "course_utils.config.CourseConfig": "built by get_config, which checks every knob (rows above)",
    "course_utils.config.is_whole_number": "a predicate: answers False for bad input by design",
    # costs
    "course_utils.costs.CostPlan": RECORD + " (cost_plan makes it)",
    "course_utils.costs.cost_plan": "its inputs are a Workload and UnitCosts, each checked when built (rows above)",
    "course_utils.costs.best_systems": "used inside costs (load_unit_costs, pragmatic_path_story, for notebook 06): its input is a scoreboard read and checked by results.read_scoreboard",
    "course_utils.costs.unit_costs_from_scoreboard": "used inside costs (load_unit_costs, for notebook 06): its input is a scoreboard read and checked by results.read_scoreboard",
    "course_utils.costs.load_measurements": NO_INPUT,
    "course_utils.costs.per_correct_answer": "arithmetic on figures its callers checked (cost_plan, systems_table)",
    "course_utils.costs.load_unit_costs": NO_INPUT,
    "course_utils.costs.pragmatic_path_story": "text drawn from a scoreboard read and checked by results.read_scoreboard",
    # data
    "course_utils.data.datasets_path": NO_INPUT + " (or a folder; the loaders report a missing file)",
    "course_utils.data.load_changed_facts": NO_INPUT + " (read_jsonl reports a missing file, row above)",
    "course_utils.data.load_style_rules": NO_INPUT + " (a missing file is reported like read_jsonl's)",
    # decision
    "course_utils.decision.Criterion": "a constant table entry of the kit (decision.CRITERIA)",
    "course_utils.decision.Contribution": RECORD + " (recommend makes it)",
    "course_utils.decision.Recommendation": RECORD + " (recommend makes it; recommend has a row)",
    "course_utils.decision.UseCase": "a constant table entry of the kit (decision.USE_CASES; preset has a row)",
    "course_utils.decision.Evidence": "a constant table entry of the kit (decision.EVIDENCE)",
    "course_utils.decision.render": "fills the kit's own Evidence templates; a figure not measured reads '(not measured: run notebook …)'",
    "course_utils.decision.evidence_table": "its figures come from results.course_figures",
    "course_utils.decision.evidence_for": "its inputs are a Recommendation from recommend() and figures from results.course_figures",
    "course_utils.decision.CourseCase": "a constant table entry of the kit (decision.COURSE_CASES)",
    # decision_widgets
    "course_utils.decision_widgets.contribution_figure": "a figure, drawn from a Recommendation that recommend() checked",
    "course_utils.decision_widgets.CostCalculator": "a widget over checked UnitCosts/Workload: bad input checked in tests/test_decision.py (calc.set)",
    # diagrams
    "course_utils.diagrams.rag_pipeline": NO_INPUT + " (a diagram)",
    "course_utils.diagrams.lora": "a diagram, drawn from the notebook's fixed arguments",
    "course_utils.diagrams.four_systems": NO_INPUT + " (a diagram)",
    # embeddings
    "course_utils.embeddings.CachedEmbedder": "needs an embedding model: bad input checked in tests/test_rag.py (encode)",
    "course_utils.embeddings.load_cached_embedder": "needs a loaded model; its inputs are a config and flags",
    # evaluate.answers
    # evaluate.generation
    "course_utils.evaluate.generation.parse_json": "answers None for anything that is not a JSON object, by design",
    "course_utils.evaluate.generation.timed_generation": "needs a loaded model: it calls models.chat_batch, whose bad input is checked in tests/test_models.py",
    "course_utils.evaluate.answers.normalize_answer": "None is no answer: it normalises to '' and scores as wrong, by design (tests/test_answers.py)",
    "course_utils.evaluate.answers.token_f1": "a None prediction is no answer and scores 0.0, by design (see normalize_answer)",
    "course_utils.evaluate.answers.answer_correct": "a None prediction is no answer and scores False, by design (see normalize_answer)",
    # evaluate.meters
    "course_utils.evaluate.meters.Timer": NO_INPUT,
    "course_utils.evaluate.meters.peak_rss_mb": NO_INPUT,
    "course_utils.evaluate.meters.current_rss_mb": NO_INPUT,
    "course_utils.evaluate.meters.in_fresh_process": "a benchmark script's helper: the script is the benchmark's own file, and a failed run exits with its error output",
    "course_utils.evaluate.meters.release_free_memory": NO_INPUT,
    "course_utils.evaluate.meters.available_memory_mb": NO_INPUT,
    "course_utils.evaluate.meters.count_tokens": "needs a tokenizer",
    # evaluate.uncertainty
    "course_utils.evaluate.uncertainty.Comparison": RECORD + " (compare makes it)",
    # files
    "course_utils.files.atomic_path": "internal: the kit's own writers pass path and data; crash safety in tests/test_files.py",
    "course_utils.files.write_text_atomic": "internal: the kit's own writers pass path and data; crash safety in tests/test_files.py",
    "course_utils.files.write_json_atomic": "internal: the kit's own writers pass path and data; tests/test_files.py checks unserialisable data",
    "course_utils.files.atomic_folder": "internal: the kit's own writers pass the folder; crash safety in tests/test_files.py",
    # finetune
    "course_utils.finetune.training_precision": "needs a TrainSettings (checked when built); bad input checked in tests/test_finetune.py",
    "course_utils.finetune.training_table": NO_INPUT,
    "course_utils.finetune.TrainResult": RECORD + " (train_lora makes it)",
    "course_utils.finetune.ParameterCount": RECORD + " (count_parameters makes it)",
    "course_utils.finetune.top_layers": "needs a loaded model: bad input checked in tests/test_finetune.py",
    "course_utils.finetune.count_parameters": "needs a loaded model",
    "course_utils.finetune.linear_layer_names": "needs a loaded model",
    "course_utils.finetune.has_lora": "needs a loaded model",
    "course_utils.finetune.add_lora": "needs a loaded model: bad input checked in tests/test_finetune.py",
    "course_utils.finetune.remove_lora": "needs a loaded model",
    "course_utils.finetune.merge_lora": "needs a loaded model (with LoRA layers); exercised in tests/test_finetune.py",
    "course_utils.finetune.restore_base_weights": "needs a loaded model: bad input checked in tests/test_finetune.py",
    "course_utils.finetune.save_adapter": "needs a model with LoRA layers; crash safety in tests/test_files.py",
    "course_utils.finetune.training_arguments": "internal to train_lora: its inputs are a checked TrainSettings and train_lora's own values",
    "course_utils.finetune.train_lora": "needs a loaded model: bad input checked in tests/test_finetune.py",
    "course_utils.finetune.SavedRun": RECORD + " (load_or_train makes it)",
    "course_utils.finetune.load_or_train": "needs a loaded model: it calls train_lora, whose bad input is checked in tests/test_finetune.py",
    # formatting
    "course_utils.formatting.tokenize_conversation": "needs a tokenizer: build_training_set's bad input is checked in tests/test_finetune.py",
    "course_utils.formatting.pad_batch": "internal: the training collator; its examples come from build_training_set",
    # grounding
    "course_utils.grounding.GroundedAnswer": RECORD + " (answer_question makes it)",
    "course_utils.grounding.answer_question": "needs a loaded model and index; its question is checked by grounding.build_prompt (row above)",
    "course_utils.grounding.source_text": "takes one hit that check_hits has passed: source_texts and support.format_documents check the list (rows above)",
    # indexes
    "course_utils.indexes.VectorIndex": "built by VectorIndex.build/load: bad input checked in tests/test_rag.py",
    "course_utils.indexes.faiss_ids": "internal: takes a FAISS index the kit built",
    "course_utils.indexes.index_size_bytes": "takes a VectorIndex the kit built (VectorIndex.build checks its input)",
    # models
    "course_utils.models.ModelSpec": "a constant table entry of the kit (the offline models)",
    "course_utils.models.pack": "an instructor's tool, run as `python -m course_utils.models pack DEST` (argparse supplies dest)",
    "course_utils.models.prompt_text": "needs a tokenizer",
    "course_utils.models.chat": "needs a loaded model: it calls chat_batch, whose bad input is checked in tests/test_models.py",
    "course_utils.models.chat_batch": "needs a loaded model: bad input checked in tests/test_models.py and tests/test_errors.py",
    "course_utils.models.TimedAnswer": RECORD + " (timed_chat makes it)",
    "course_utils.models.timed_chat": "needs a loaded model: bad input checked in tests/test_structured.py",
    "course_utils.models.status": NO_INPUT,
    "course_utils.models.main": "the command line: argparse rejects bad arguments with a usage message",
    # progress
    "course_utils.progress.progress_bar": "a thin wrapper over tqdm: its arguments pass straight through",
    # rag
    "course_utils.rag.Hit": RECORD + " (KnowledgeIndex.retrieve makes it)",
    "course_utils.rag.UpdateReport": RECORD + " (KnowledgeIndex.update makes it)",
    "course_utils.rag.KnowledgeIndex": "needs an embedding model; built by KnowledgeIndex.build/load: bad input checked in tests/test_rag.py",
    # results
    "course_utils.results.scoreboard_path": NO_INPUT,
    "course_utils.results.update_path": NO_INPUT,
    "course_utils.results.machine_info": NO_INPUT,
    "course_utils.results.lesson_path": "a path helper: load_lesson reports a missing lesson (row above)",
    "course_utils.results.save_scoreboard": "checks the board with check_scoreboard before writing: bad input checked in tests/test_support.py",
    "course_utils.results.save_update": "writes a record update_record built (row above), checked with check_scoreboard before writing",
    "course_utils.results.merge_boards": "internal: its inputs are boards read and checked by read_scoreboard",
    "course_utils.results.scoreboard_part": NO_INPUT,
    "course_utils.results.load_scoreboard": NO_INPUT,
    "course_utils.results.board_figures": "internal: its input is a board read and checked by read_scoreboard",
    "course_utils.results.examples_seen": "internal: its input is a board's settings, read and checked by read_scoreboard",
    # structured
    "course_utils.structured.logits_processor": "needs a loaded model: its schemas are checked by compile_schema (row above; tests/test_structured.py)",
    "course_utils.structured.dedupe_json_list": "internal: post-processes the JSON that constrained decoding produced",
    # support
    "course_utils.support.task.stratum": "internal to support.load_task: its target comes from the dataset",
    "course_utils.support.task.generate": "needs a loaded model: it calls models.chat_batch, whose bad input is checked in tests/test_models.py",
    "course_utils.support.latency.Latency": RECORD + " (measure_latency makes it)",
    "course_utils.support.scoring.by_stratum": "internal to notebook 05's pipeline: its input comes from support.score",
    "course_utils.support.reader_data.closed_book_rows": "internal to notebook 05's pipeline: its task comes from support.load_task",
    "course_utils.support.reader_data.closed_book_facts": "bad input checked in tests/test_support.py",
    # systems
    "course_utils.systems.scored_questions": "internal to notebook 05's pipeline: its input comes from support.load_task",
    "course_utils.systems.Run": "a spec record the kit builds (closed_book_run/reader_run); its settings are checked LoraSettings/TrainSettings",
    "course_utils.systems.closed_book_run": "needs a loaded model",
    "course_utils.systems.reader_run": "needs a loaded model and index",
}


def public_callables():
    """Every top-level public function or class (exceptions left out) of every module of course_utils, by the module
    that defines it, so a re-export counts once. The graded exercises and `__main__` are left out."""
    names = set()
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name.startswith("course_utils.exercises") or info.name.split(".")[-1] == "__main__":
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                names.add(f"{module.__name__}.{name}")
    return names


def test_every_public_function_has_a_row_or_a_reason(capsys):
    public = public_callables()
    covered = {f"{row[0].__module__}.{row[0].__name__}" for row in TABLE}
    missing = sorted(public - covered - set(NO_ROW))
    stale = sorted(set(NO_ROW) - public)
    both = sorted(covered & set(NO_ROW))
    todo = sorted(name for name, reason in NO_ROW.items() if reason.startswith("TODO"))
    with capsys.disabled():
        print(f"\npublic surface: {len(public)} callables; {len(covered & public)} called by {len(TABLE)} rows; "
              f"{len(NO_ROW)} in NO_ROW, {len(todo)} of them TODO (no check yet)")
    assert not missing, f"public callables with neither a TABLE row nor a NO_ROW reason: {missing}"
    assert not stale, f"NO_ROW names callables that are not public (renamed or removed?): {stale}"
    assert not both, f"these have a TABLE row; drop their NO_ROW entry: {both}"
    assert all(reason.strip() for reason in NO_ROW.values()), "every NO_ROW entry needs a reason"
