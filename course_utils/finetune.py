"""LoRA fine-tuning of the course's chat model with peft and the transformers `Trainer`, on a CPU.

LoRA freezes every weight of the model and learns, for a few chosen linear layers, a low-rank update
``W + (alpha / r) * B @ A`` where ``A`` is r x d_in and ``B`` is d_out x r. Only A and B are trained
and saved: about one percent of the parameters and a few MB on disk.

    from course_utils import finetune, models
    model, tokenizer = models.load_generator()
    rows = [{"prompt": "Say hi", "answer": "Hi!"}] * 8
    result = finetune.train_lora(model, tokenizer, rows, run_name="demo", settings=finetune.TrainSettings(steps=4))
    result.loss_history[:2]          # [(step, loss), ...] for plotting
    models.chat(result.model, tokenizer, "Say hi")

`train_lora` adds the LoRA layers to `model` *in place* (peft injects them into the loaded model, no
copy, which keeps memory low); `remove_lora` gives the plain model back. Formatting of examples (chat
template, loss on the answer only) lives in `course_utils.formatting`.

Left out on purpose: quantised (QLoRA) training, evaluation during training, multi-GPU, and
hyper-parameter search. The defaults are the fast CPU profile measured in notebook 03.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path

from .config import (PRECISIONS, TRAINING_RUNS, CourseConfig, CourseError, check_seed, check_whole_number, get_config,
                     is_whole_number)
from .evaluate.meters import check_memory, peak_rss_mb, release_free_memory
from .files import atomic_folder, write_json_atomic
from .formatting import build_training_set, pad_batch
from .models import bf16_supported, resolve_model
from .progress import progress_bar

ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")  # the four attention projections of a Llama layer
MLP = ("gate_proj", "up_proj", "down_proj")  # the feed-forward block


class FinetuneError(CourseError, ValueError):
    """A fine-tuning setting or input is wrong; the message says what to change."""


class CheckpointNotFoundError(FinetuneError, FileNotFoundError):
    """Asked to resume or load from a checkpoint/adapter folder that does not exist."""


@dataclass(frozen=True)
class LoraSettings:
    """What LoRA learns. Defaults: rank 8 on the four attention projections (the choice measured in notebook 03)."""

    rank: int = 8  # r: the inner size of the update B @ A; parameters grow linearly with it
    alpha: float = 16.0  # the update is scaled by alpha / rank; 2 x rank is the usual starting point
    dropout: float = 0.0  # dropout on the LoRA input path only (0.05 is a common choice). Off by default: it draws
    #                       a random mask over every adapted layer's input at every step, which cost notebook 03's
    #                       extraction run ~10 % more time per step and ~120 MB more memory, for no better result
    #                       (benchmarks/lora_tradeoffs.json, rows "no LoRA dropout")
    target_modules: tuple[str, ...] = ATTENTION  # names of the nn.Linear layers that get an update
    # which decoder layers (0 = closest to the input) get adapters; None = all. Adapting only the top layers
    # is cheaper to train: the backward pass stops at the lowest adapted layer, and the layers below it keep
    # no activations for it.
    layers: tuple[int, ...] | None = None

    def __post_init__(self):
        check_whole_number(self.rank, "LoRA rank", error=FinetuneError, hint="Typical values: 4, 8, 16.")
        if self.alpha <= 0:
            raise FinetuneError(f"LoRA alpha must be positive, got {self.alpha!r}. A common choice is 2 x rank.")
        if not 0 <= self.dropout < 1:
            raise FinetuneError(f"LoRA dropout must be in [0, 1), got {self.dropout!r}.")
        if isinstance(self.target_modules, str) or not self.target_modules:
            raise FinetuneError(f"target_modules must be a non-empty tuple of layer names, e.g. {ATTENTION}.")
        if self.layers is not None and (
            isinstance(self.layers, (str, int)) or not self.layers
            or not all(is_whole_number(i, minimum=0) for i in self.layers)
        ):
            raise FinetuneError(f"layers must be None (all) or a non-empty tuple of layer numbers >= 0, got {self.layers!r}.")

    def to_peft(self):
        """The equivalent `peft.LoraConfig`."""
        from peft import LoraConfig

        return LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha,
            lora_dropout=self.dropout,
            target_modules=list(self.target_modules),
            layers_to_transform=list(self.layers) if self.layers is not None else None,
            task_type="CAUSAL_LM",
        )


# subtle: on a CPU, bf16 matrix products keep state for every new shape they meet, so batches of ever-different
# lengths made a bf16 run's memory grow step after step (fixed-length batches did not grow). Padding every batch to
# a multiple of 64 tokens keeps the shapes few and the memory flat; with multiples of 32, notebook 05's reader
# still grew.
BF16_PAD_MULTIPLE = 64


def training_precision(settings: "TrainSettings", config: CourseConfig | None = None) -> str:
    """The precision a run with `settings` trains in on this machine: "bf16" or "fp32"."""
    device = (config or get_config()).profile.device
    if settings.precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    if settings.precision == "bf16" and not bf16_supported(device):
        raise FinetuneError(f"precision='bf16' was asked for, but this {device.upper()} has no bfloat16 instructions "
                            "(emulated bf16 is slower than fp32). Use precision='auto' or 'fp32'.")
    return settings.precision


@dataclass(frozen=True)
class TrainSettings:
    """How long and how hard to train. Defaults: notebook 03's extraction run, except that it trains without gradient
    checkpointing (its batches of 2 short examples fit in 2 GB without it, and each step is faster).

    The trade-off behind them is measured by benchmarks/lora_tradeoffs.py (shown at the end of notebook 03).
    """

    steps: int = 70  # optimiser steps; each sees `batch_size` examples
    batch_size: int = 2  # examples per step; at a fixed budget, more small steps taught the format better than fewer big ones
    learning_rate: float = 3e-3  # high for LoRA on purpose: few steps, small update matrices
    warmup_steps: int = 3  # linear warm-up, then linear decay to zero
    max_length: int = 192  # tokens per example (prompt + answer); longer examples raise (or are dropped)
    gradient_checkpointing: bool = True  # recompute activations in the backward pass: ~0.4 GB less peak, ~40% slower
    micro_batches: int = 1  # split each step's batch into this many passes and add up their gradients (gradient
    #                         accumulation): the same update from the same examples, with the activations of one part
    save_steps: int = 10  # write a resumable checkpoint every N steps
    seed: int | None = None  # None: the course seed from get_config()
    precision: str = "fp32"  # "fp32": all in float32; "bf16": mixed precision (weights and optimiser state stay
    #                          fp32, the matrix products run in bfloat16); "auto": bf16 where the processor has bf16
    #                          instructions, else fp32. bf16 pays on long examples: ~25 % less time per step for notebook
    #                          05's reader (~350 tokens), little for 03's and 04's short ones, for more memory
    #                          (benchmarks/lora_tradeoffs.json, benchmarks/reader_levers.json)

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise FinetuneError(f"precision must be one of {PRECISIONS}, got {self.precision!r}. "
                                "'auto' uses bf16 where the processor supports it and fp32 elsewhere.")
        for name in ("steps", "batch_size", "max_length", "save_steps", "micro_batches"):
            check_whole_number(getattr(self, name), name, error=FinetuneError)
        if self.batch_size % self.micro_batches:
            raise FinetuneError(f"batch_size ({self.batch_size}) must split evenly into micro_batches "
                                f"({self.micro_batches}); e.g. batch_size=8 with micro_batches=2 (4 examples per pass).")
        if not self.learning_rate > 0:
            raise FinetuneError(f"learning_rate must be positive, got {self.learning_rate!r}. Try 1e-3 for LoRA.")


def settings_from(spec: dict, **changes) -> TrainSettings:
    """TrainSettings from the keys of `spec` that name its fields (a dict such as config.READER also holds other
    settings: chunks, k, LoRA), then `changes`."""
    known = {f.name for f in fields(TrainSettings)}
    if set(changes) - known:
        raise FinetuneError(f"Unknown training setting(s) {sorted(set(changes) - known)}. Known: {sorted(known)}.")
    return TrainSettings(**{**{k: v for k, v in spec.items() if k in known}, **changes})


def train_settings(run: str, config: CourseConfig | None = None) -> TrainSettings:
    """The TrainSettings of one of the course's training runs (config.TRAINING_RUNS), for the active profile."""
    if run not in TRAINING_RUNS:
        raise FinetuneError(f"Unknown training run {run!r}. The course's runs: {sorted(TRAINING_RUNS)}. "
                            "For your own run, build TrainSettings(steps=..., batch_size=...) directly.")
    base = TrainSettings(**TRAINING_RUNS[run])
    scale = (config or get_config()).profile.train_scale
    return replace(base, steps=base.steps * scale, save_steps=base.save_steps * scale)


def training_table(config: CourseConfig | None = None):
    """A DataFrame of every course training run's settings under the active profile (shown in notebook 00)."""
    import pandas as pd

    config = config or get_config()
    rows = {run: train_settings(run, config) for run in TRAINING_RUNS}
    table = pd.DataFrame({run: {"steps": s.steps, "batch size": s.batch_size, "examples seen": s.steps * s.batch_size,
                                "learning rate": s.learning_rate, "max length": s.max_length,
                                "gradient checkpointing": s.gradient_checkpointing,
                                "micro-batches": s.micro_batches,
                                "precision here": training_precision(s, config)} for run, s in rows.items()}).T
    table.index.name = f"profile '{config.profile.name}'"
    return table


@dataclass
class TrainResult:
    """What a training run returns: the tuned model and the numbers that describe the run."""

    model: object  # the peft model (base + LoRA), in eval mode, ready for generation
    loss_history: list[tuple[int, float]]  # (step, training loss) for every step
    steps: int
    seconds: float  # wall time of trainer.train(), not counting tokenization
    seconds_per_step: float
    peak_rss_mb: float  # peak memory of the whole process so far
    trainable: int
    total: int
    examples: int  # training examples after formatting
    run_dir: Path  # checkpoints live here
    adapter_dir: Path  # the final adapter (what you would ship)
    settings: dict = field(default_factory=dict)
    precision: str = "fp32"  # what the matrix products ran in: "bf16" (mixed precision) or "fp32"


@dataclass(frozen=True)
class ParameterCount:
    trainable: int
    total: int

    @property
    def fraction(self) -> float:
        return self.trainable / self.total


def top_layers(model, n: int) -> tuple[int, ...]:
    """The numbers of the `n` decoder layers nearest the output, for ``LoraSettings(layers=...)``."""
    total = model.config.num_hidden_layers
    check_whole_number(n, "n", maximum=total, error=FinetuneError, hint=f"This model has {total} decoder layers.")
    return tuple(range(total - n, total))


def count_parameters(model) -> ParameterCount:
    """Trainable and total parameters (shared tensors, like tied embeddings, counted once)."""
    params = list(model.parameters())  # .parameters() already de-duplicates tied weights
    return ParameterCount(sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params))


def linear_layer_names(model) -> list[str]:
    """The distinct short names of the model's linear layers: the valid LoRA `target_modules`."""
    import torch

    names = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}
    return sorted(names)


def has_lora(model) -> bool:
    """True when LoRA layers have already been injected into `model`."""
    return any("lora_A" in name for name, _ in model.named_modules())


def training_memory_mb(settings: TrainSettings, precision: str = "fp32") -> float:
    """Rough memory a training run needs on top of the loaded model, in MiB (for the memory check).

    A straight line through the peaks of `benchmarks/lora_tradeoffs.json` (SmolLM2-135M, rank 8, batch x
    max_length tokens): about 400 MB of optimiser state, gradients and buffers, plus 0.55 MB per token of the
    batch with gradient checkpointing, 1.6 MB without (all activations kept). E.g. batch 2 x 192 tokens with
    checkpointing: about 610 MB; the file's reference row peaked at 1,242 MB with the 0.6 GB model. Training in bf16
    (`precision`, as `training_precision` resolves it) adds 150 MB here: bf16 copies of the weights the backward
    pass needs, and the processor's state for each batch shape. The file's two bf16 rows peaked 184 and 252 MB
    above their fp32 rows, so on short examples the estimate errs low.
    """
    if precision not in ("fp32", "bf16"):
        raise FinetuneError(f"precision must be 'fp32' or 'bf16' (what training_precision(settings) gives), got {precision!r}.")
    per_token = 0.55 if settings.gradient_checkpointing else 1.6
    extra = 150 if precision == "bf16" else 0
    return 400 + extra + per_token * settings.batch_size // settings.micro_batches * settings.max_length


def add_lora(model, lora: LoraSettings = LoraSettings(), seed: int | None = None):
    """Freeze `model` and inject LoRA layers (in place); returns the peft model.

    Seeded, so A starts the same every time; the seeding happens inside ``torch.random.fork_rng``, so the caller's
    random state (Python, NumPy, torch) is left as it was: an exercise check that calls this does not reseed a
    learner's notebook.
    """
    import torch
    from peft import get_peft_model

    if has_lora(model):
        raise FinetuneError(
            "This model already carries LoRA layers (from an earlier train_lora or add_lora). "
            "Call remove_lora(tuned_model) to get the plain model back, or load a fresh one with models.load_generator()."
        )
    available = linear_layer_names(model)
    unknown = [name for name in lora.target_modules if name not in available]
    if unknown:
        raise FinetuneError(f"Target module(s) {unknown} do not exist in this model. Its linear layers are: {available}.")
    n_layers = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    if lora.layers is not None and n_layers is not None and max(lora.layers) >= n_layers:
        raise FinetuneError(f"layers {lora.layers} go past this model's {n_layers} decoder layers (0 to {n_layers - 1}).")
    seed = check_seed(get_config().seed if seed is None else seed)
    with torch.random.fork_rng(devices=[]), _quiet_peft():
        torch.manual_seed(seed)
        return get_peft_model(model, lora.to_peft())


def remove_lora(model):
    """Take the LoRA layers out again (without merging) and return the plain base model."""
    return model.unload() if has_lora(model) else model


def merge_lora(model):
    """Fold B @ A into the frozen weights and drop the adapter: a plain model, as fast as the base at inference."""
    return model.merge_and_unload()


def restore_base_weights(model, name: str | None = None, config: CourseConfig | None = None):
    """Undo `merge_lora`: read the generator's weights back from disk into the same tensors, so the plain base model
    returns without a second copy of it in memory. (Merging writes the adapter into the very weights the model was
    loaded with.) Returns `model`.

    Each tensor's bytes are read straight into the tensor from its place in the safetensors file (the format is an
    8-byte header length, a JSON header of dtypes, shapes and byte offsets, then the raw data): the safetensors
    library maps the whole file into memory instead, which counts its 0.5 GB against the process while it is open."""
    import torch

    if has_lora(model):
        raise FinetuneError("This model still carries LoRA layers: take them off with remove_lora (or merge_lora) first.")
    config = config or get_config()
    files = sorted(Path(resolve_model(name or config.generator, config)).glob("*.safetensors"))
    params = model.state_dict()
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    restored = set()
    for file in files:
        with open(file, "rb") as f:
            header_size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(header_size))
            for key, entry in header.items():
                if key == "__metadata__":
                    continue
                tensor = params.get(key)
                start, end = entry["data_offsets"]
                if tensor is None or list(tensor.shape) != entry["shape"] or dtypes.get(entry["dtype"]) != tensor.dtype \
                        or not tensor.is_contiguous() or tensor.device.type != "cpu":
                    raise FinetuneError(f"{file.name} holds {key!r} as {entry['dtype']} {entry['shape']}, which this model "
                                        "does not have in that form: is it the model these weights came from? Load it "
                                        "with models.load_generator.")
                f.seek(8 + header_size + start)
                view = tensor.detach().view(torch.uint8).reshape(-1).numpy()  # the tensor's own bytes
                if f.readinto(memoryview(view)) != end - start:
                    raise FinetuneError(f"{file.name} ends inside {key!r}: the file is damaged. Run "
                                        "`python -P -m course_utils.models prepare --force`.")
                restored.add(tensor.data_ptr())
    missing = [k for k, t in params.items() if t.data_ptr() not in restored]  # tied weights share one tensor
    if missing:
        raise FinetuneError(f"No weights on disk for {missing[:3]}: load the model with models.load_generator instead.")
    return model


def save_adapter(model, path: str | Path) -> float:
    """Save only the LoRA weights (not the base model) to `path`; returns their size on disk in MB."""
    path = Path(path)
    with atomic_folder(path) as tmp:  # a crash mid-save leaves the previous adapter as it was
        model.save_pretrained(tmp)
    return folder_size_mb(path)


def load_adapter(base_model, path: str | Path, trainable: bool = False):
    """Put a saved adapter back on a plain base model; returns the peft model (in eval mode)."""
    from peft import PeftModel

    path = Path(path)
    if not (path / "adapter_config.json").exists():
        raise CheckpointNotFoundError(f"No adapter found in {path} (no adapter_config.json). Train one with train_lora first.")
    with _quiet_peft():
        return PeftModel.from_pretrained(base_model, path, is_trainable=trainable).eval()


@contextmanager
def _quiet_peft():
    # peft 0.21 still reads a transformers attribute renamed in 5.x; the FutureWarning says nothing a learner can act on
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def folder_size_mb(path: str | Path) -> float:
    """Total size of the files under `path`, in MB (1e6 bytes)."""
    if not Path(path).is_dir():
        raise FinetuneError(f"No folder at {path}: nothing to measure. Pass a run's adapter_dir (train_lora saves it).")
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def training_arguments(settings: TrainSettings, run_dir: Path, precision: str, seed: int, device: str = "cpu"):
    """The `transformers.TrainingArguments` of a course run: `settings.steps` optimiser steps of `settings.batch_size`
    examples (in `micro_batches` passes whose gradients add up), a linear schedule after warm-up, one logged loss per
    step, and one resumable checkpoint kept in `run_dir`. Pure: builds the object, touches nothing."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(run_dir),
        max_steps=settings.steps,
        per_device_train_batch_size=settings.batch_size // settings.micro_batches,
        gradient_accumulation_steps=settings.micro_batches,
        learning_rate=settings.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=settings.warmup_steps,
        weight_decay=0.0,
        logging_steps=1,  # one loss per step, for the plot
        save_strategy="steps",
        save_steps=settings.save_steps,
        save_total_limit=1,  # only the latest checkpoint: enough to resume, little disk
        activation_checkpointing=settings.gradient_checkpointing,
        bf16=precision == "bf16",  # autocast: matrix products in bfloat16, weights and optimiser state in fp32
        activation_checkpointing_kwargs={"use_reentrant": False},
        use_cpu=device == "cpu",
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,  # worker processes would copy the model's memory on some platforms
        remove_unused_columns=False,  # our examples are plain dicts, nothing to remove
        report_to=[],
        disable_tqdm=False,
        log_level="error",
    )


def _trainer(peft_model, args, examples, tokenizer, precision: str, callbacks: list | None):
    """A `transformers.Trainer` over the examples, with the course's progress bar in place of Trainer's own."""
    from transformers import Trainer
    from transformers.trainer_callback import ProgressCallback
    from transformers.utils.notebook import NotebookProgressCallback

    trainer = Trainer(
        model=peft_model,
        args=args,
        train_dataset=examples,
        data_collator=partial(pad_batch, pad_token_id=tokenizer.pad_token_id,
                              pad_to_multiple_of=BF16_PAD_MULTIPLE if precision == "bf16" else 1),
    )
    # Trainer's own bar is ProgressCallback in a terminal and NotebookProgressCallback in Jupyter (a second bar plus
    # a table with one row per step); ours is one bar with the latest loss on it, and notebooks plot the loss.
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(NotebookProgressCallback)
    for callback in [_LossProgressBar(precision), *(callbacks or [])]:
        trainer.add_callback(callback)
    return trainer


def train_lora(
    model,
    tokenizer,
    rows: list[dict],
    run_name: str,
    lora: LoraSettings = LoraSettings(),
    settings: TrainSettings = TrainSettings(),
    system: str | None = None,
    drop_too_long: bool = False,
    resume: bool | str | Path = False,
    callbacks: list | None = None,
    config: CourseConfig | None = None,
) -> TrainResult:
    """Fine-tune `model` with LoRA on rows of ``{"prompt": ..., "answer": ...}``; returns a TrainResult.

    Checkpoints go to ``<cache>/runs/<run_name>/checkpoint-N`` every `save_steps`; a new run (resume=False)
    starts from an empty folder. ``resume=True`` continues from the latest checkpoint there, or pass a path.
    `system` is an optional system prompt for every example; `drop_too_long` skips examples longer than
    max_length instead of raising (see `formatting.build_training_set`). The final adapter is saved to
    ``<cache>/runs/<run_name>/adapter``. `callbacks` are extra `transformers.TrainerCallback` objects (e.g. to
    stop early).
    """
    from transformers.trainer_utils import get_last_checkpoint

    config = config or get_config()
    seed = config.seed if settings.seed is None else settings.seed
    run_dir, precision = _run_dir(config, run_name), training_precision(settings, config)
    checkpoint = _checkpoint_to_resume(run_dir, resume, get_last_checkpoint)
    examples = build_training_set(tokenizer, rows, settings.max_length, system=system, drop_too_long=drop_too_long)
    release_free_memory()
    check_memory(
        training_memory_mb(settings, precision), f"Training '{run_name}'",
        advice="Or train with a smaller batch_size or max_length, more micro_batches, gradient_checkpointing=True "
               "or precision='fp32'.",
    )
    if checkpoint is None:
        shutil.rmtree(run_dir, ignore_errors=True)  # a fresh run must not pick up an old run's checkpoints
    peft_model = add_lora(model, lora, seed=seed)
    args = training_arguments(settings, run_dir, precision, seed, config.profile.device)
    trainer = _trainer(peft_model, args, examples, tokenizer, precision, callbacks)
    release_free_memory()  # what earlier generation left behind, before training needs its peak
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    seconds = time.perf_counter() - start
    # Mixed precision wraps the model's forward in bf16 autocast; take the wrapper off, so that what comes next
    # (generation, evaluation) runs in the precision its caller chooses (models.chat_batch's `precision`), like an
    # untrained model, whatever the training precision was.
    trainer.accelerator.unwrap_model(peft_model, keep_fp32_wrapper=False)
    release_free_memory()
    _ready_for_generation(peft_model, settings.gradient_checkpointing)
    adapter_dir = run_dir / "adapter"
    save_adapter(peft_model, adapter_dir)
    steps = trainer.state.global_step
    steps_run = steps - (_step_of(checkpoint) if checkpoint else 0)  # a resumed run timed only the steps it ran
    _write_run_record(run_dir, _run_fingerprint(model, rows, lora, settings, system, drop_too_long, precision),
                      seconds=seconds, steps=steps, precision=precision, examples=len(examples))
    count = count_parameters(peft_model)
    return TrainResult(
        model=peft_model,
        loss_history=[(log["step"], log["loss"]) for log in trainer.state.log_history if "loss" in log],
        steps=steps,
        seconds=seconds,
        seconds_per_step=seconds / max(steps_run, 1),
        peak_rss_mb=peak_rss_mb(),
        trainable=count.trainable,
        total=count.total,
        examples=len(examples),
        run_dir=run_dir,
        adapter_dir=adapter_dir,
        settings={"lora": lora, "train": settings},
        precision=precision,
    )


RUN_RECORD = "run.json"  # beside the adapter: what trained it (a fingerprint) and how long it took


def _run_fingerprint(model, rows, lora: LoraSettings, settings: TrainSettings, system: str | None,
                    drop_too_long: bool, precision: str) -> str:
    """A hash of everything that decides a run's adapter: the base model's name, the rows, the system prompt and
    the settings. Two runs with the same fingerprint train the same adapter (on the same kind of processor)."""
    name = getattr(getattr(model, "config", None), "_name_or_path", "")
    blob = json.dumps([str(name), list(rows), system, repr(lora), repr(settings), drop_too_long, precision],
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _write_run_record(run_dir: Path, fingerprint: str, **figures) -> None:
    write_json_atomic(run_dir / RUN_RECORD, {"fingerprint": fingerprint, **figures}, indent=1)


@dataclass(frozen=True)
class SavedRun:
    """A finished run's adapter on disk and what its training cost; `trained_now` says whether this call trained it."""

    adapter_dir: Path
    seconds: float
    steps: int
    precision: str
    examples: int
    trained_now: bool


def load_or_train(model, tokenizer, rows: list[dict], run_name: str, lora: LoraSettings = LoraSettings(),
                  settings: TrainSettings = TrainSettings(), system: str | None = None, drop_too_long: bool = False,
                  config: CourseConfig | None = None) -> SavedRun:
    """The adapter of run `run_name` if ``<cache>/runs/<run_name>`` holds one trained from these very rows and
    settings (its run.json fingerprint), else train it now with `train_lora`. `model` comes back plain (no LoRA)
    either way; put the adapter on it with `load_adapter(model, saved.adapter_dir)`."""
    config = config or get_config()
    run_dir = _run_dir(config, run_name)
    wanted = _run_fingerprint(model, rows, lora, settings, system, drop_too_long, training_precision(settings, config))
    try:
        record = json.loads((run_dir / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    if record.get("fingerprint") == wanted and (run_dir / "adapter" / "adapter_config.json").exists():
        return SavedRun(run_dir / "adapter", float(record["seconds"]), int(record["steps"]), str(record["precision"]),
                        int(record["examples"]), trained_now=False)
    result = train_lora(model, tokenizer, rows, run_name, lora=lora, settings=settings, system=system,
                        drop_too_long=drop_too_long, config=config)
    remove_lora(result.model)
    return SavedRun(result.adapter_dir, result.seconds, result.steps, result.precision, result.examples,
                    trained_now=True)


RUN_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?")


def _run_dir(config: CourseConfig, run_name) -> Path:
    """The folder of run `run_name` under ``<cache>/runs``; a name that could point anywhere else is refused.

    A fresh run deletes its folder first, so a name like ``""``, ``".."`` or ``"/home/me"`` must never reach
    that point: it would delete every run, the whole cache, or a folder outside the kit.
    """
    if not isinstance(run_name, str) or not RUN_NAME.fullmatch(run_name) or set(run_name) == {"."}:
        raise FinetuneError(
            f"run_name must be a plain folder name (letters, digits, spaces, '.', '_' or '-', starting with a letter "
            f"or digit, at most 64 characters), got {run_name!r}. Example: run_name=\"style-rank8\"."
        )
    runs = (config.cache_dir / "runs").resolve()
    run_dir = (runs / run_name).resolve()
    if run_dir.parent != runs:  # e.g. a symbolic link pointing out of the runs folder
        raise FinetuneError(f"run_name {run_name!r} resolves to {run_dir}, outside {runs}. Choose another name.")
    return run_dir


def _checkpoint_to_resume(run_dir: Path, resume, get_last_checkpoint) -> Path | None:
    if resume is False or resume is None:
        return None
    if resume is True:
        last = get_last_checkpoint(str(run_dir)) if run_dir.is_dir() else None
        if last is None:
            raise CheckpointNotFoundError(
                f"resume=True but there is no checkpoint in {run_dir}. Train once with resume=False first "
                "(checkpoints are written every save_steps)."
            )
        return Path(last)
    path = Path(resume)
    if not (path / "trainer_state.json").exists():
        raise CheckpointNotFoundError(
            f"No checkpoint at {path} (a checkpoint folder holds trainer_state.json). "
            f"Existing ones: {sorted(p.name for p in run_dir.glob('checkpoint-*')) or 'none'}."
        )
    return path


def _step_of(checkpoint: Path) -> int:
    return int(checkpoint.name.rsplit("-", 1)[-1])


def _ready_for_generation(peft_model, used_checkpointing: bool) -> None:
    # The Trainer leaves the model in training mode (dropout on) and, with gradient checkpointing, with the
    # key/value cache switched off, which would make generation several times slower.
    peft_model.eval()
    base = peft_model.get_base_model()
    if used_checkpointing:
        base.activation_checkpointing_disable()
    base.config.use_cache = True


def _LossProgressBar(precision: str = "fp32"):
    """A tqdm bar over optimiser steps that shows the latest loss instead of printing every log line, and the
    precision the run trains in ("Training (bf16)")."""
    from transformers import TrainerCallback

    class LossProgressBar(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = progress_bar(total=state.max_steps, initial=state.global_step, desc=f"Training ({precision})",
                                   unit="step")

        def on_step_end(self, args, state, control, **kwargs):
            self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.bar.set_postfix(loss=f"{logs['loss']:.3f}")

        def on_train_end(self, args, state, control, **kwargs):
            self.bar.close()

    return LossProgressBar()
