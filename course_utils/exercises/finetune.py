"""Checks for the exercises of notebooks 03 (fine-tuning with LoRA) and 04 (can fine-tuning teach facts?).

Each check compares the learner's answer with a reference computed by the library that does the real
work (peft for parameter counts, the course's tested formatting and metrics). An exercise not attempted
yet (the stub still returns None or raises NotImplementedError) gets a reminder instead of an error, so
the notebooks run top to bottom. Solutions: notebooks/solutions/03_04_solutions.md.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..evaluate.answers import answer_correct, exact_match
from ..finetune import LoraSettings, add_lora, linear_layer_names
from ..formatting import IGNORE_INDEX
from ..models import resolve_model
from . import check_paired_prediction, check_prediction, not_done


def _peft_trainable(rank: int, targets: Sequence[str]) -> int:
    """Trainable parameters peft creates for SmolLM2-135M, counted on a weightless ('meta') copy: no memory, no download."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(resolve_model("smollm2-135m-instruct"), local_files_only=True)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    peft_model = add_lora(model, LoraSettings(rank=rank, target_modules=tuple(targets)))
    return sum(p.numel() for p in peft_model.parameters() if p.requires_grad)


def check_lora_parameter_count(lora_parameters: Callable) -> None:
    """Check ``lora_parameters(rank, target_modules) -> int`` against what peft builds for SmolLM2-135M."""
    cases = [(16, ("q_proj", "v_proj")), (4, ("q_proj", "k_proj", "v_proj", "o_proj")), (8, ("gate_proj", "up_proj", "down_proj"))]
    for rank, targets in cases:
        stub, got = not_done(lora_parameters, rank, targets, none_is_stub=True)
        if stub:
            return
        want = _peft_trainable(rank, targets)
        if int(got) != want:
            hint = (
                "Hint: k_proj and v_proj map 576 -> 192 (3 key/value heads of 64), not 576 -> 576."
                if "v_proj" in targets and int(got) == 30 * rank * len(targets) * 2 * 576
                else "Hint: each targeted layer gets A (rank x d_in) and B (d_out x rank): rank x (d_in + d_out) "
                "parameters, in each of the 30 decoder layers."
            )
            raise AssertionError(f"rank={rank}, targets={list(targets)}: peft creates {want:,} parameters, you said {int(got):,}. {hint}")
    print(f"Correct: your formula matches peft on {len(cases)} settings (the last one: {want:,} parameters).")


def check_mlp_targets(targets: Sequence[str] | None, model) -> None:
    """Check a choice of `target_modules` that puts LoRA on the feed-forward (MLP) block only."""
    if targets is None:
        print("Not done yet: set `mlp_targets` to a tuple of layer names, then run this cell again.")
        return
    available = linear_layer_names(model)
    unknown = sorted(set(targets) - set(available))
    if unknown:
        raise AssertionError(f"{unknown} are not layers of this model; add_lora would refuse them. Choose from {available}.")
    if "lm_head" in targets:
        raise AssertionError("lm_head is the output layer (tied to the embeddings), not part of a decoder layer's MLP.")
    want = {"gate_proj", "up_proj", "down_proj"}
    if set(targets) != want:
        missing, extra = sorted(want - set(targets)), sorted(set(targets) - want)
        raise AssertionError(f"Not quite: missing {missing}, not MLP {extra}. A Llama MLP is down(silu(gate(x)) * up(x)).")
    print(f"Correct: {sorted(targets)} is the whole feed-forward block ({_peft_trainable(8, targets):,} LoRA parameters at rank 8).")


def check_mask_prompt(mask_prompt: Callable) -> None:
    """Check ``mask_prompt(prompt_ids, answer_ids) -> labels`` (loss on the answer only)."""
    cases = [([5, 6, 7], [8, 9]), ([1], [2, 3, 4]), ([10, 11, 12, 13], [2])]
    for prompt_ids, answer_ids in cases:
        stub, got = not_done(mask_prompt, list(prompt_ids), list(answer_ids), none_is_stub=True)
        if stub:
            return
        want = [IGNORE_INDEX] * len(prompt_ids) + list(answer_ids)
        if list(got) != want:
            raise AssertionError(
                f"mask_prompt({prompt_ids}, {answer_ids}) gave {list(got)}, expected {want}. Hint: the labels line up "
                f"with prompt + answer; every prompt position gets {IGNORE_INDEX}, every answer position its own token."
            )
    print("Correct: the prompt is masked with -100 and the answer tokens are kept, on 3 cases.")


def check_exact_accuracy(exact_accuracy: Callable, predictions: Sequence[str], questions) -> None:
    """Check ``exact_accuracy(predictions, questions) -> float`` (share of exact matches) against the course's metric."""
    stub, got = not_done(exact_accuracy, list(predictions), questions, none_is_stub=True)
    if stub:
        return
    rows = list(questions.itertuples())
    want = sum(exact_match(p, r.answer, r.variants) for p, r in zip(predictions, rows)) / len(rows)
    lenient = sum(answer_correct(p, r.answer, r.variants) for p, r in zip(predictions, rows)) / len(rows)
    if abs(float(got) - lenient) < 1e-9 and abs(lenient - want) > 1e-9:
        raise AssertionError("That is the containment score (answer_correct). Use exact_match(prediction, row.answer, row.variants).")
    if abs(float(got) - want) > 1e-9:
        raise AssertionError(
            f"You got {float(got):.3f}, the reference is {want:.3f}. Hint: exact_match(prediction, row.answer, "
            "row.variants) for each pair, then the mean (a share between 0 and 1, not a count)."
        )
    print(f"Correct: {want:.0%} exact matches, against {lenient:.0%} with containment, on {len(rows)} answers. "
          "Exact match punishes every extra word, so it favours systems that answer tersely.")


# Notebook 04's Exercise 3: general question/answer pairs to mix into the fact training set ("replay"). None of them
# is one of the notebook's general test questions, and none shares its answer with one.
REPLAY_ROWS = [{"prompt": q, "answer": a} for q, a in [
    ("What is the capital of Germany?", "Berlin"), ("What is the capital of Spain?", "Madrid"),
    ("What is the capital of Canada?", "Ottawa"), ("How many months are there in a year?", "twelve"),
    ("What is the smallest planet in our solar system?", "Mercury"), ("What is the chemical symbol for water?", "H2O"),
    ("How many legs does an insect have?", "six"), ("What colour is the sky on a clear day?", "blue"),
    ("At what temperature in Celsius does water freeze?", "0 degrees"),
    ("What is the tallest mountain on Earth?", "Mount Everest"),
    ("What gas do plants take in from the air?", "carbon dioxide"), ("What is the largest mammal?", "the blue whale"),
    ("Who was the first person to walk on the Moon?", "Neil Armstrong"),
    ("What language is spoken in Mexico?", "Spanish"), ("How many hours are there in a day?", "24"),
    ("What is the opposite of up?", "down"),
]]


def check_replay_prediction(prediction: str | None, without: Sequence[str], with_replay: Sequence[str] | None, questions) -> None:
    """Check a prediction ('more', 'same' or 'fewer') of how many general questions the model fine-tuned with replay
    still answers right, against the run without it, on the same questions (judged as `check_paired_prediction`)."""
    if prediction is not None and (with_replay is None or len(without) != len(questions) or len(with_replay) != len(questions)):
        raise ValueError(f"Give one answer per general question to both runs: {len(questions)} questions, "
                         f"{len(without)} and {len(with_replay or [])} answers.")
    def right(answers):
        return None if answers is None else [answer_correct(a, r.answer, r.variants)
                                             for a, r in zip(answers, questions.itertuples())]

    check_paired_prediction(
        prediction, right(without), right(with_replay), "without replay", "with replay", variable="replay_prediction",
        counted="general questions right", unit="general questions",
        wrong_hint="look at what the model without replay answers to the general questions (section 5): what did every "
        "one of its training examples teach it to say?",
        lesson="Every example of the facts run was an Orrinvale question with a short Orrinvale answer; general pairs "
        "mixed in keep the old behaviour in the training signal (replay, or rehearsal).",
    )


def check_small_run_prediction(prediction: str | None, few_shot_valid: Sequence[bool], small_valid: Sequence[bool] | None) -> None:
    """Check a prediction ('more', 'same' or 'fewer') of how many test records an extraction adapter trained on fewer
    examples makes schema-valid, against the few-shot prompt on the same messages (judged as `check_paired_prediction`)."""
    check_paired_prediction(
        prediction, few_shot_valid, small_valid, "base, few-shot", "LoRA, 32 steps", variable="small_prediction",
        counted="schema-valid records", unit="messages",
        wrong_hint="look at the loss curve of section 3.3: where is the loss after 32 steps, and how fast did it fall? "
        "Then look at the schema errors of section 3.4: which field goes wrong first?",
        lesson="A format is learned from few examples, but not from any number: run it with 16 steps too, and compare.",
    )


def check_update_prediction(prediction: str | None, old_rate: float, new_rate: float) -> None:
    """Check a prediction ('old' or 'new') of which facts the fine-tuned model states after the update."""
    check_prediction(
        prediction, "old" if old_rate >= new_rate else "new", ("old", "new"),
        f"old facts {old_rate:.0%}, new facts {new_rate:.0%}. Think about where the fine-tuned model's knowledge "
        "lives, and whether swapping the documents touched it.",
        f"the fine-tuned model states old facts {old_rate:.0%} of the time and new ones {new_rate:.0%}; "
        "its weights did not change when the documents did.",
    )
