"""The checks of notebooks 03 and 04 pass right answers, reject wrong ones with a hint and wait for missing ones."""

import pandas as pd
import pytest
from transformers import LlamaConfig, LlamaForCausalLM

from course_utils.exercises import finetune as checks
from course_utils.formatting import IGNORE_INDEX

# SmolLM2-135M's layer shapes: hidden 576, key/value 192 (3 heads of 64), MLP 1536, 30 decoder layers
SHAPES = {"q_proj": (576, 576), "k_proj": (576, 192), "v_proj": (576, 192), "o_proj": (576, 576),
          "gate_proj": (576, 1536), "up_proj": (576, 1536), "down_proj": (1536, 576)}


def right_count(rank, target_modules):
    return 30 * sum(rank * (SHAPES[t][0] + SHAPES[t][1]) for t in target_modules)


def test_right_parameter_formula_passes(capsys):
    checks.check_lora_parameter_count(right_count)
    assert capsys.readouterr().out.startswith("Correct")


def test_square_key_value_layers_get_the_grouped_query_hint():
    def square(rank, target_modules):
        return 30 * rank * len(target_modules) * 2 * 576

    with pytest.raises(AssertionError, match="576 -> 192"):
        checks.check_lora_parameter_count(square)


def test_forgetting_the_decoder_layers_gets_a_hint():
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_lora_parameter_count(lambda rank, targets: right_count(rank, targets) // 30)


@pytest.fixture(scope="module")
def small_llama():
    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1)
    return LlamaForCausalLM(config)


def test_mlp_targets(small_llama, capsys):
    checks.check_mlp_targets(("gate_proj", "up_proj", "down_proj"), small_llama)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="missing \\['down_proj'\\]"):
        checks.check_mlp_targets(("gate_proj", "up_proj"), small_llama)
    with pytest.raises(AssertionError, match="not layers of this model"):
        checks.check_mlp_targets(("mlp",), small_llama)
    with pytest.raises(AssertionError, match="lm_head"):
        checks.check_mlp_targets(("gate_proj", "up_proj", "down_proj", "lm_head"), small_llama)


def test_mask_prompt(capsys):
    checks.check_mask_prompt(lambda prompt, answer: [IGNORE_INDEX] * len(prompt) + answer)
    assert capsys.readouterr().out.startswith("Correct")
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_mask_prompt(lambda prompt, answer: prompt + answer)  # nothing masked
    with pytest.raises(AssertionError, match="Hint"):
        checks.check_mask_prompt(lambda prompt, answer: [IGNORE_INDEX] * len(answer) + prompt)  # the wrong part


QUESTIONS = pd.DataFrame({"answer": ["149 EUR", "2 days", "Paris"], "variants": [["149"], [], []]})
PREDICTIONS = ["149 EUR", "It keeps 2 days of history.", "London"]  # exact, contained, wrong


def test_exact_accuracy(capsys):
    from course_utils.evaluate.answers import exact_match

    def right(predictions, questions):
        hits = [exact_match(p, r.answer, r.variants) for p, r in zip(predictions, questions.itertuples())]
        return sum(hits) / len(hits)

    checks.check_exact_accuracy(right, PREDICTIONS, QUESTIONS)
    assert "33% exact matches, against 67% with containment" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="containment"):
        checks.check_exact_accuracy(lambda p, q: 2 / 3, PREDICTIONS, QUESTIONS)
    with pytest.raises(AssertionError, match="not a count"):
        checks.check_exact_accuracy(lambda p, q: 1, PREDICTIONS, QUESTIONS)


def test_update_prediction(capsys):
    checks.check_update_prediction("old", old_rate=0.4, new_rate=0.0)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="measurement says 'old'"):
        checks.check_update_prediction("new", old_rate=0.4, new_rate=0.0)
    with pytest.raises(AssertionError, match="'old' or 'new'"):
        checks.check_update_prediction("v1", old_rate=0.4, new_rate=0.0)


def test_unattempted_exercises_only_remind(small_llama, capsys):
    checks.check_lora_parameter_count(lambda rank, targets: None)
    checks.check_mlp_targets(None, small_llama)
    checks.check_mask_prompt(lambda prompt, answer: None)
    checks.check_exact_accuracy(lambda p, q: None, PREDICTIONS, QUESTIONS)
    checks.check_update_prediction(None, 0.4, 0.0)
    assert capsys.readouterr().out.count("Not done yet") == 5


GENERAL = pd.DataFrame({"answer": ["Paris", "seven", "Mars", "Au", "Tokyo", "green"],
                        "variants": [[], ["7"], [], [], [], []]})


def test_replay_prediction(capsys):
    forgot = ["90 EUR", "2 days", "90 EUR", "not in the knowledge base", "90 EUR", "2 days"]
    kept = ["Paris.", "There are 7 days.", "Mars", "Au", "Tokyo", "green"]
    checks.check_replay_prediction("more", forgot, kept, GENERAL)  # 6 only with replay: McNemar p = 0.031
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="The measurement says 'more'"):
        checks.check_replay_prediction("same", forgot, kept, GENERAL)
    checks.check_replay_prediction("more", forgot, forgot[:5] + ["green"], GENERAL)  # 1 question: within the noise
    out = capsys.readouterr().out
    assert "within the noise of 6 questions" in out and "too few to rule out chance" in out
    checks.check_replay_prediction("same", forgot, forgot, GENERAL)
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="The measurement says 'fewer'"):
        checks.check_replay_prediction("more", kept, forgot, GENERAL)
    with pytest.raises(AssertionError, match="not 'less'"):
        checks.check_replay_prediction("less", forgot, kept, GENERAL)
    with pytest.raises(ValueError, match="one answer per general question"):
        checks.check_replay_prediction("more", forgot[:3], kept, GENERAL)
    checks.check_replay_prediction(None, [], [], GENERAL)
    assert "Not done yet" in capsys.readouterr().out
    assert not {r["answer"] for r in checks.REPLAY_ROWS} & set(GENERAL["answer"])
