"""Course configuration: paths, seeds, model names and the run profile, in one visible place.

Every value has a safe CPU default and can be overridden with an environment variable
(listed in the README), e.g. ``COURSE_PROFILE=full`` on a machine with a GPU.

    >>> from course_utils.config import get_config
    >>> cfg = get_config()
    >>> cfg.profile.name
    'fast'

Reading the configuration has no side effects: nothing is created, downloaded or seeded here.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

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
    train_scale: int  # each LoRA run takes this many times its steps of finetune.TRAINING_RUNS (so sees more data)
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


@dataclass(frozen=True)
class CourseConfig:
    """Everything a notebook needs to know about where things live and how big to run."""

    repo_root: Path = REPO_ROOT  # the checkout (holds notebooks/, datasets/, course_utils/)
    datasets_dir: Path = REPO_ROOT / "datasets"  # the course's generated datasets
    cache_dir: Path = REPO_ROOT / ".cache"  # converted models, embedding cache, adapters, indexes
    seed: int = 42  # one seed for Python, NumPy and torch (see seed_everything)
    generator: str = "smollm2-135m-instruct"  # a name from models.KNOWN_MODELS, or a Hub id if allowed
    embedder: str = "all-minilm-l6-v2"  # a name from models.KNOWN_MODELS, or a Hub id if allowed
    allow_hub: bool = False  # True lets the resolver use Hugging Face Hub ids (needs network)
    generation_precision: str = "auto"  # batched generation in bf16 where the processor has it ("auto"), or "fp32"
    profile: Profile = field(default_factory=lambda: PROFILES["fast"])

    @property
    def models_dir(self) -> Path:
        """Where converted model folders are kept."""
        return self.cache_dir / "models"


PRECISIONS = ("auto", "fp32", "bf16")  # for training (finetune.TrainSettings) and generation (models.chat_batch)


# Environment variables that override the defaults (documented in README.md).
ENV_VARS = {
    "COURSE_PROFILE": "run profile: 'fast' (default, CPU) or 'full' (GPU)",
    "COURSE_CACHE_DIR": "folder for converted models, embedding cache, adapters (default: <repo>/.cache)",
    "COURSE_DATASETS_DIR": "folder holding the course datasets (default: <repo>/datasets)",
    "COURSE_SEED": "integer seed (default: 42)",
    "COURSE_GENERATOR": "generator model name (default: smollm2-135m-instruct)",
    "COURSE_EMBEDDER": "embedding model name (default: all-minilm-l6-v2)",
    "COURSE_ALLOW_HUB": "'1' to allow Hugging Face Hub model ids (needs network; never used by default)",
    "COURSE_DEVICE": "override the profile's device: 'cpu' or 'cuda'",
    "COURSE_MEMORY_CHECK": "'0' to skip the free-memory check before loading a model or training (default: on)",
    "COURSE_GENERATION_PRECISION": "'auto' (default: batches in bf16 where the processor has it), 'fp32' or 'bf16'",
}


def _env_int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not an integer. Set it to a whole number, e.g. {key}={default}.") from None


def _env_bool(env: dict[str, str], key: str) -> bool:
    raw = env.get(key, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ConfigError(f"{key}={raw!r} is not a yes/no value. Use {key}=1 to enable or leave it unset.")


def is_whole_number(value, minimum: int = 1) -> bool:
    """True for an integer (NumPy's included) of at least `minimum`; False for a bool, a float or a string.

    >>> is_whole_number(3), is_whole_number(True), is_whole_number(0), is_whole_number(0, minimum=0)
    (True, False, False, True)
    """
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def get_config(env: dict[str, str] | None = None, **overrides) -> CourseConfig:
    """Build the configuration from defaults, then environment variables, then keyword overrides.

    `env` defaults to ``os.environ``; pass a dict in tests. Overrides are CourseConfig field names,
    e.g. ``get_config(profile="full")`` or ``get_config(cache_dir=tmp_path)``.
    """
    env = dict(os.environ if env is None else env)
    profile_name = overrides.pop("profile", None) or env.get("COURSE_PROFILE") or "fast"
    if isinstance(profile_name, Profile):
        profile = profile_name
    elif profile_name in PROFILES:
        profile = PROFILES[profile_name]
    else:
        raise ConfigError(
            f"Unknown run profile {profile_name!r}. Choose one of {sorted(PROFILES)} "
            "(set COURSE_PROFILE or pass profile=...)."
        )
    device = env.get("COURSE_DEVICE")
    if device:
        if device not in ("cpu", "cuda"):
            raise ConfigError(f"COURSE_DEVICE={device!r} is not supported. Use 'cpu' or 'cuda'.")
        profile = replace(profile, device=device)

    precision = env.get("COURSE_GENERATION_PRECISION") or "auto"
    if precision not in PRECISIONS:
        raise ConfigError(f"COURSE_GENERATION_PRECISION={precision!r} is not supported. Use 'auto', 'fp32' or 'bf16'.")

    values = dict(
        cache_dir=Path(env["COURSE_CACHE_DIR"]).expanduser() if env.get("COURSE_CACHE_DIR") else REPO_ROOT / ".cache",
        datasets_dir=Path(env["COURSE_DATASETS_DIR"]).expanduser()
        if env.get("COURSE_DATASETS_DIR")
        else REPO_ROOT / "datasets",
        seed=_env_int(env, "COURSE_SEED", 42),
        generator=env.get("COURSE_GENERATOR") or "smollm2-135m-instruct",
        embedder=env.get("COURSE_EMBEDDER") or "all-minilm-l6-v2",
        allow_hub=_env_bool(env, "COURSE_ALLOW_HUB"),
        generation_precision=precision,
        profile=profile,
    )
    unknown = set(overrides) - set(CourseConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"Unknown config field(s) {sorted(unknown)}. Known: {sorted(CourseConfig.__dataclass_fields__)}.")
    values.update(overrides)
    for key in ("cache_dir", "datasets_dir"):
        values[key] = Path(values[key])
    check_seed(values["seed"], example="get_config(seed=42), or COURSE_SEED=42 in the environment")
    fit_threads_to_cpu_budget()
    return CourseConfig(**values)


@functools.lru_cache(maxsize=None)  # read once per process: get_config() asks on every call
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

    Called by `get_config()`, which every notebook calls first. On a machine without a quota (a laptop, this
    course's benchmark machine) the budget equals the cores torch already uses, and nothing changes.
    """
    budget = budget or cpu_budget()
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
    import random

    check_seed(seed)

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
