"""Turn (prompt, answer) pairs into training examples for a chat model, with loss only on the answer.

A chat model sees a conversation rendered by its chat template. For SmolLM2 one training example is

    <|im_start|>system\\n...<|im_end|>\\n<|im_start|>user\\n{prompt}<|im_end|>\\n<|im_start|>assistant\\n{answer}<|im_end|>\\n
    '--------------------------- masked: label -100 ---------------------------------------' '---- learned ----'

Only the assistant's tokens (the answer and the end-of-turn token that teaches the model to stop) get
labels; everything before gets the label -100, which the loss ignores. The model still *reads* the
prompt, it is just not trained to *write* it.

    messages = to_messages("What is 2+2?", "4")
    example = tokenize_conversation(tokenizer, messages, max_length=128)
    sorted(example)
    ['attention_mask', 'input_ids', 'labels']

Left out on purpose: multi-turn conversations (only the last assistant turn is learned), packing several
short examples into one sequence, and truncation (an example that does not fit is an error, because a
cut-off JSON answer would teach the model to stop mid-record).
"""

from __future__ import annotations

from typing import Iterable

from .config import CourseError

IGNORE_INDEX = -100  # the label value torch's cross-entropy skips


class FormattingError(CourseError, ValueError):
    """A training example cannot be built; the message says which one and what to change."""


class ExampleTooLongError(FormattingError):
    """One example (prompt + answer) is longer than max_length; `drop_too_long=True` skips such examples."""


def to_messages(prompt: str, answer: str, system: str | None = None) -> list[dict]:
    """Build a one-turn conversation ``[system?, user, assistant]`` from a prompt and its answer."""
    for name, value in (("prompt", prompt), ("answer", answer)):
        if not isinstance(value, str) or not value.strip():
            raise FormattingError(f"The {name} must be a non-empty string, got {value!r:.80}. Check the row's fields.")
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def tokenize_conversation(tokenizer, messages: list[dict], max_length: int) -> dict[str, list[int]]:
    """Tokenize one conversation ending with the assistant's answer; label only the answer's tokens.

    Returns ``{"input_ids", "attention_mask", "labels"}`` as plain lists (no padding).
    Raises FormattingError when the prompt alone, or the whole example, is longer than `max_length`.
    """
    if not messages or messages[-1].get("role") != "assistant":
        raise FormattingError("The conversation must end with an assistant message (the answer to learn).")
    prompt_text = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full_text.startswith(prompt_text):
        raise FormattingError("This tokenizer's chat template renders the prompt differently inside the full conversation.")
    # subtle: tokenize the prompt and the answer separately and concatenate. Tokenizing the full text at once
    # could merge the "\n" that ends the prompt with the answer's first character, so the learned tokens would
    # not be the ones the model must produce at generation time, when it starts right after the prompt.
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text) :], add_special_tokens=False)["input_ids"]
    if len(prompt_ids) >= max_length:
        raise FormattingError(
            f"The prompt alone is {len(prompt_ids)} tokens but max_length is {max_length}, so no answer token "
            f"would be left to learn. Raise max_length above {len(prompt_ids) + len(answer_ids)} or shorten the prompt."
        )
    input_ids = prompt_ids + answer_ids
    if len(input_ids) > max_length:
        raise ExampleTooLongError(
            f"The example is {len(input_ids)} tokens (prompt {len(prompt_ids)} + answer {len(answer_ids)}) but "
            f"max_length is {max_length}. Raise max_length, or pass drop_too_long=True to skip such examples."
        )
    labels = [IGNORE_INDEX] * len(prompt_ids) + answer_ids
    return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}


def build_training_set(
    tokenizer,
    rows: Iterable[dict],
    max_length: int,
    prompt_key: str = "prompt",
    answer_key: str = "answer",
    system: str | None = None,
    drop_too_long: bool = False,
) -> list[dict[str, list[int]]]:
    """Tokenize many rows (dicts with a prompt and an answer field) into a list the `Trainer` can read.

    Example (``tok``: the generator's tokenizer): the prompt's tokens are masked out of the loss::

        build_training_set(tok, [{"prompt": "Hi", "answer": "Hello!"}], max_length=64)[0]["labels"][:3]
        # [-100, -100, -100]

    With ``drop_too_long=True`` examples longer than `max_length` are skipped instead of raising
    (prompts that alone exceed it still raise: they point at a max_length that is simply too small).
    """
    rows = list(rows)
    if not rows:
        raise FormattingError("The training set is empty. Pass at least one row with a prompt and an answer.")
    examples = []
    for i, row in enumerate(rows):
        missing = [key for key in (prompt_key, answer_key) if key not in row]
        if missing:
            raise FormattingError(
                f"Row {i} has no field(s) {missing}; it has {sorted(row)}. "
                f"Rename the fields or pass prompt_key=... and answer_key=..."
            )
        messages = to_messages(row[prompt_key], row[answer_key], system=system)
        try:
            examples.append(tokenize_conversation(tokenizer, messages, max_length))
        except FormattingError as err:
            # the error's class, not its wording, decides: only a too-long example may be skipped
            if drop_too_long and isinstance(err, ExampleTooLongError):
                continue
            raise type(err)(f"Row {i}: {err}") from None
    if not examples:
        raise FormattingError(f"All {len(rows)} rows are longer than max_length={max_length}. Raise max_length.")
    return examples


def pad_batch(examples: list[dict[str, list[int]]], pad_token_id: int, answer_logits_only: bool = True,
              pad_to_multiple_of: int = 1) -> dict:
    """Collate examples into tensors, padding on the right (labels with -100, so padding is never learned).

    subtle: we pad here instead of with the tokenizer because SmolLM2's pad token *is* its end-of-turn
    token; a collator that masks every pad-token label would also mask the end-of-turn the model must learn.

    With `answer_logits_only` the batch also tells the model to compute logits only where a label follows
    (``logits_to_keep``, a boolean mask) and gives those labels already shifted (``shift_labels``). A boolean
    ``(batch, sequence)`` mask is part of ``logits_to_keep``'s documented contract in transformers 5 (see
    ``transformers.modeling_utils.slice_logits_to_keep``: "keep the True positions"), and
    ``tests/test_finetune.py`` pins that the loss is unchanged, so an upgrade that breaks it fails a test. The loss
    is the same number, but the (tokens x 49,152-word vocabulary) logits, the largest tensors of a training
    step on a small model, shrink to the answer's tokens (at batch 4 x 160 tokens one fp32 copy of the full
    logits is 4 x 160 x 49,152 x 4 bytes = 126 MB, and a training step keeps several).

    `pad_to_multiple_of` rounds the batch's width up (e.g. 32: a batch of 100 tokens becomes 128), so that
    batches come in a few shapes only; bf16 training wants that (see `finetune.train_lora`).
    """
    import torch

    width = max(len(e["input_ids"]) for e in examples)
    width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    batch = {"input_ids": [], "attention_mask": [], "labels": []}
    for e in examples:
        gap = width - len(e["input_ids"])
        batch["input_ids"].append(e["input_ids"] + [pad_token_id] * gap)
        batch["attention_mask"].append(e["attention_mask"] + [0] * gap)
        batch["labels"].append(e["labels"] + [IGNORE_INDEX] * gap)
    batch = {key: torch.tensor(value) for key, value in batch.items()}
    if answer_logits_only:
        # position t predicts token t+1, so keep position t when the label at t+1 is learned
        next_labels = torch.nn.functional.pad(batch["labels"][:, 1:], (0, 1), value=IGNORE_INDEX)
        keep = next_labels != IGNORE_INDEX
        batch["logits_to_keep"] = keep
        batch["shift_labels"] = next_labels[keep]
    return batch
