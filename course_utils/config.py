"""Course configuration in one visible place: paths, seeds, model names, the run profile (KNOBS, each backed by an
environment variable), the training runs (TRAINING_RUNS, READER) and the generation settings (GENERATION).

Every value has a safe CPU default and can be overridden with an environment variable
(listed in the README), e.g. ``COURSE_PROFILE=full`` on a machine with a GPU.

    >>> from course_utils.config import get_config
    >>> cfg = get_config()
    >>> cfg.profile.name
    'fast'

Reading the configuration has no side effects: nothing is created, downloaded, seeded or set here. Two calls
change the process, and each notebook's setup cell makes them: `seed_everything(config.seed)` and
`fit_threads_to_cpu_budget()`.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parent.parent


class CourseError(Exception):
    """Base class of every error the kit raises on purpose: its message says what is wrong and what to do instead.
    Each module's error derives from it and from the built-in error it stands for (most are ValueError)."""


class ConfigError(CourseError, ValueError):
    """A configuration value (usually from an environment variable) is invalid."""


@dataclass(frozen=True)
class Profile:
    """How much work each experiment does. `fast` fits a 2-core laptop and Binder; `full` wants a GPU."""

    name: str
    eval_limit: int  # test examples scored per system in the generation experiments
    train_scale: int  # each LoRA run takes this many times its steps of TRAINING_RUNS (so sees more data)
    max_new_tokens: int  # generation budget for one answer
    embed_batch_size: int  # texts per embedding batch
    device: str  # "cpu" or "cuda"


PROFILES: dict[str, Profile] = {
    "fast": Profile(
        name="fast",
        eval_limit=40,
        train_scale=1,
        max_new_tokens=64,
        embed_batch_size=32,
        device="cpu",
    ),
    "full": Profile(
        name="full",
        eval_limit=10_000,  # i.e. the whole test split
        train_scale=4,
        max_new_tokens=128,
        embed_batch_size=128,
        device="cuda",
    ),
}


PRECISIONS = ("auto", "fp32", "bf16")  # for training (finetune.TrainSettings) and generation (models.chat_batch)


@dataclass(frozen=True)
class Knob:
    """One setting of the course: the CourseConfig field it fills, the environment variable that overrides it, its
    default, how the variable's text is read (`parse(knob, text)`), and a line of help (README's table)."""

    name: str
    env: str
    default: Any
    parse: Callable[["Knob", str], Any]
    help: str


def _text(knob: Knob, raw: str) -> str:
    return raw


def _path(knob: Knob, raw: str) -> Path:
    return Path(raw).expanduser()


def _integer(knob: Knob, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{knob.env}={raw!r} is not an integer. Set it to a whole number, e.g. "
                          f"{knob.env}={knob.default}.") from None


def _yes_no(knob: Knob, raw: str) -> bool:
    raw = raw.strip().lower()
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ConfigError(f"{knob.env}={raw!r} is not a yes/no value. Use {knob.env}=1 to enable or leave it unset.")


def _on_unless_off(knob: Knob, raw: str) -> bool:
    return raw.strip().lower() not in ("0", "no", "false", "off")


def _one_of(*choices: str) -> Callable[[Knob, str], str]:
    def parse(knob: Knob, raw: str) -> str:
        if raw not in choices:
            raise ConfigError(f"{knob.env}={raw!r} is not supported. Use {', '.join(map(repr, choices[:-1]))} or "
                              f"{choices[-1]!r}.")
        return raw
    return parse


# Every setting an environment variable can change, in one visible place: CourseConfig's defaults and README's
# configuration table (ENV_VARS) are made from it. The runs, the reader and the generation settings follow it.
KNOBS = (
    Knob("profile", "COURSE_PROFILE", "fast", _text, "run profile: 'fast' (default, CPU) or 'full' (GPU)"),
    Knob("cache_dir", "COURSE_CACHE_DIR", REPO_ROOT / ".cache", _path,
         "folder for converted models, embedding cache, adapters (default: <repo>/.cache)"),
    Knob("datasets_dir", "COURSE_DATASETS_DIR", REPO_ROOT / "datasets", _path,
         "folder holding the course datasets (default: <repo>/datasets)"),
    Knob("seed", "COURSE_SEED", 42, _integer, "integer seed (default: 42)"),
    Knob("generator", "COURSE_GENERATOR", "smollm2-135m-instruct", _text,
         "generator model name (default: smollm2-135m-instruct)"),
    Knob("embedder", "COURSE_EMBEDDER", "all-minilm-l6-v2", _text, "embedding model name (default: all-minilm-l6-v2)"),
    Knob("allow_hub", "COURSE_ALLOW_HUB", False, _yes_no,
         "'1' to allow Hugging Face Hub model ids (needs network; never used by default)"),
    Knob("device", "COURSE_DEVICE", None, _one_of("cpu", "cuda"), "override the profile's device: 'cpu' or 'cuda'"),
    Knob("memory_check", "COURSE_MEMORY_CHECK", True, _on_unless_off,
         "'0' to skip the free-memory check before loading a model or training (default: on)"),
    Knob("generation_precision", "COURSE_GENERATION_PRECISION", "auto", _one_of(*PRECISIONS),
         "'auto' (default: batches in bf16 where the processor has it), 'fp32' or 'bf16'"),
)
ENV_VARS = {knob.env: knob.help for knob in KNOBS}  # documented in README.md (a test compares them)
_DEFAULTS = {knob.name: knob.default for knob in KNOBS}

# The training runs of notebooks 03-05 under the `fast` profile, in the fields of finetune.TrainSettings. A notebook
# asks for its run with finetune.train_settings(name); the `full` profile multiplies the steps (Profile.train_scale),
# so each run trains longer and sees more of its data. Notebook 00 prints this table for the active profile; the
# trade-offs behind it are in benchmarks/lora_tradeoffs.json (03's runs) and benchmarks/reader_levers.json (05's).
TRAINING_RUNS: dict[str, dict] = {
    "extraction": dict(steps=70, batch_size=2, learning_rate=3e-3, max_length=192,  # 03, message -> JSON record
                       gradient_checkpointing=False),  # under 2 GB without checkpointing, and faster
    "tone": dict(steps=20, batch_size=4, learning_rate=2e-3, max_length=160,  # 03, the brand voice
                 gradient_checkpointing=False, micro_batches=2),  # 2 passes of 2: under 2 GB, faster
    "facts": dict(steps=32, batch_size=8, learning_rate=5e-3, max_length=96,  # 04, facts into the weights
                  gradient_checkpointing=False, micro_batches=2),  # 2 passes of 4: under 2 GB, faster
    "support-closed-book": dict(steps=32, batch_size=8, learning_rate=5e-3, max_length=160,  # 05, question -> JSON
                                gradient_checkpointing=False, micro_batches=4),  # answer; 4 passes of 2 rather than
    # 2 of 4: the same update at a lower training peak, for more time per step
    "support-reader": dict(steps=64,  # 05, documents + question -> JSON answer; 80 steps were no better on validation
                           batch_size=2,  # batch 4 peaks above 2 GB with these prompts
                           micro_batches=2,  # each batch of 2 as two passes of 1: the same update, a lower peak
                           learning_rate=3e-3,
                           max_length=384,  # tokens per example; longer ones are dropped
                           gradient_checkpointing=False,  # not needed: the frozen layers below the adapted ones keep
                           # no activations for backward
                           precision="auto"),  # bf16 mixed precision where the CPU has bf16 instructions: less time
    # per step on these long prompts, about as good on validation (benchmarks/reader_levers.json); fp32 elsewhere
}

# The retrieval-aware reader of notebook 05: how its training data is built, what LoRA adapts, and its training run
# (TRAINING_RUNS["support-reader"]). benchmarks/reader_levers.py measures each knob.
READER = dict(
    chunk_method="markdown",  # one chunk per section of a document, so a chunk holds whole lines ("- Price: 149 EUR")
    chunk_size=250,  # characters at most: a longer section is cut again; short chunks keep every prompt small
    chunk_overlap=30,  # only where a section is cut again
    k=3,  # chunks shown per question
    question_twice=False,  # the question before the documents too: better answers, worse citations and abstention
    distractor_share=0.0,  # contexts of answerable questions that show no gold document (target: abstain); at this
    # budget any share made the reader refuse answerable questions (benchmarks/reader_levers.json)
    contexts_per_question=1,
    rank=8,
    top_layers=10,  # LoRA only in the 10 decoder layers nearest the output: backward stops there
    mlp=True,  # LoRA on the feed-forward block too, not only attention
    lora_dropout=0.0,  # no dropout on the adapters' input: as good on validation, and less time per step
    **TRAINING_RUNS["support-reader"],
)

# How each use of the batch generator runs (models.chat_batch), in the fields of models.GenerationSettings: one named
# entry per use, so no wrapper hides a default. The batch sizes and token budgets come from
# benchmarks/generation_settings.py; each comment names its rows in benchmarks/generation_settings.json (the same
# answers in every row of a workload, in fp32).
GENERATION: dict[str, dict] = {
    "chat": dict(max_new_tokens=64, batch_size=8),  # models.chat_batch and timed_generation unless told otherwise
    # grounding.answer_batch: long prompts (three sources). Batches of 8, shortest first, took less time than batches
    # of 4 in arrival order and than batches of 12 (rows "grounded: ..."): one long answer holds up a whole batch
    "grounded": dict(max_new_tokens=48, batch_size=8, sort_by_length=True, share_prefix=True),
    # grounding.closed_book_batch: short prompts, so large batches cost little memory (rows "closed book: ...")
    "closed book": dict(max_new_tokens=48, batch_size=20, sort_by_length=True, share_prefix=True),
    # support.generate (05): 40 tokens hold any gold answer object (the longest has 38). A batch holds at most 3072
    # prompt tokens, so questions alone go many at a time and prompts with documents fewer; the system prompt every
    # conversation starts with is read once. Rows "support, ...": against batches of 16 without the shared prefix,
    # far less time for questions alone and far less memory with documents; 4096 tokens a batch was faster still for
    # a higher peak, which 05 cannot spare where it generates the reader's answers straight after training
    "support": dict(max_new_tokens=40, batch_size=64, max_batch_tokens=3072, sort_by_length=True, share_prefix=True),
    # support.generate with a json_schema (structured decoding): JSON spells out every key, so 8 more tokens
    "support, structured": dict(max_new_tokens=48, batch_size=64, max_batch_tokens=3072, sort_by_length=True,
                                share_prefix=True),
}


@dataclass(frozen=True)
class CourseConfig:
    """Everything a notebook needs to know about where things live and how big to run (defaults: KNOBS)."""

    repo_root: Path = REPO_ROOT  # the checkout (holds notebooks/, datasets/, course_utils/)
    datasets_dir: Path = _DEFAULTS["datasets_dir"]  # the course's generated datasets
    cache_dir: Path = _DEFAULTS["cache_dir"]  # converted models, embedding cache, adapters, indexes
    seed: int = _DEFAULTS["seed"]  # one seed for Python, NumPy and torch (see seed_everything)
    generator: str = _DEFAULTS["generator"]  # a name from models.KNOWN_MODELS, or a Hub id if allowed
    embedder: str = _DEFAULTS["embedder"]  # a name from models.KNOWN_MODELS, or a Hub id if allowed
    allow_hub: bool = _DEFAULTS["allow_hub"]  # True lets the resolver use Hugging Face Hub ids (needs network)
    generation_precision: str = _DEFAULTS["generation_precision"]  # bf16 batches where the processor has it ("auto")
    memory_check: bool = _DEFAULTS["memory_check"]  # check free memory before loading a model or training
    profile: Profile = field(default_factory=lambda: PROFILES[_DEFAULTS["profile"]])

    @property
    def models_dir(self) -> Path:
        """Where converted model folders are kept."""
        return self.cache_dir / "models"


def is_whole_number(value, minimum: int = 1) -> bool:
    """True for an integer (NumPy's included) of at least `minimum`; False for a bool, a float or a string.

    >>> is_whole_number(3), is_whole_number(True), is_whole_number(0), is_whole_number(0, minimum=0)
    (True, False, False, True)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def get_config(env: dict[str, str] | None = None, **overrides) -> CourseConfig:
    """Build the configuration from defaults, then environment variables, then keyword overrides.

    `env` defaults to ``os.environ``; pass a dict in tests. Overrides are CourseConfig field names,
    e.g. ``get_config(profile="full")`` or ``get_config(cache_dir=tmp_path)``.
    """
    env = dict(os.environ if env is None else env)
    values = {knob.name: knob.parse(knob, env[knob.env]) if env.get(knob.env) else knob.default for knob in KNOBS}
    profile_name = overrides.pop("profile", None) or values["profile"]
    if isinstance(profile_name, Profile):
        values["profile"] = profile_name
    elif profile_name in PROFILES:
        values["profile"] = PROFILES[profile_name]
    else:
        raise ConfigError(
            f"Unknown run profile {profile_name!r}. Choose one of {sorted(PROFILES)} "
            "(set COURSE_PROFILE or pass profile=...)."
        )
    device = values.pop("device")
    if device:
        values["profile"] = replace(values["profile"], device=device)
    unknown = set(overrides) - set(CourseConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"Unknown config field(s) {sorted(unknown)}. Known: {sorted(CourseConfig.__dataclass_fields__)}.")
    values.update(overrides)
    for key in ("cache_dir", "datasets_dir"):
        values[key] = Path(values[key])
    check_seed(values["seed"], example="get_config(seed=42), or COURSE_SEED=42 in the environment")
    return CourseConfig(**values)


@functools.lru_cache(maxsize=None)  # read once per process
def cpu_budget(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """How many CPUs this process may really use: the CPUs it may run on, capped by a container's CPU quota.

    Binder and Docker often show every core of the host but allow one or two (cgroup v2 ``cpu.max``, e.g.
    ``100000 100000`` = 1 CPU). Running more compute threads than that makes them wait on each other.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    try:
        quota, period = open(f"{cgroup_root}/cpu.max").read().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 CPU limit to read
        pass
    return cpus


def fit_threads_to_cpu_budget(budget: int | None = None) -> int:
    """Lower torch's and FAISS's thread counts to `cpu_budget()` where they are higher (never raise them).

    Each notebook's setup cell calls it, before any computation. On a machine without a quota (a laptop, this
    course's benchmark machine) the budget equals the cores torch already uses, and nothing changes.
    """
    budget = cpu_budget() if budget is None else check_whole_number(budget, "budget", hint="Or None: cpu_budget().")
    import torch

    if torch.get_num_threads() > budget:
        torch.set_num_threads(budget)
        try:
            import faiss

            faiss.omp_set_num_threads(budget)
        except ImportError:
            pass
    return budget


def check_whole_number(value, name: str, *, minimum: int = 1, maximum: int | None = None,
                       error: type[Exception] = ConfigError, hint: str = ""):
    """Return `value` if it is a whole number (an int, NumPy's included; not a bool, a float or a string) from
    `minimum` to `maximum`; otherwise raise `error`, naming `name` and, with `hint`, the fix. The kit's one check of
    a count, a size or a k.

    >>> check_whole_number(8, "rank")
    8
    """
    if not is_whole_number(value, minimum) or (maximum is not None and value > maximum):
        wanted = (f"a whole number from {minimum} to {maximum}" if maximum is not None
                  else "a positive integer" if minimum == 1 else f"a whole number of at least {minimum}")
        raise error(f"{name} must be {wanted}, got {value!r}." + (f" {hint}" if hint else ""))
    return value


def check_seed(seed, example: str = "seed_everything(42)") -> int:
    """Return `seed` if it is a whole number from 0 to 2**32 - 1 (what NumPy accepts); otherwise raise ConfigError
    saying so, with `example` as the fix."""
    if not is_whole_number(seed, minimum=0) or seed >= 2**32:
        raise ConfigError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}. Example: {example}.")
    return seed


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so that a notebook's results repeat run after run."""
    check_seed(seed)

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
