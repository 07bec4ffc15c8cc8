"""The configuration: defaults, environment overrides and the errors for bad values."""

from pathlib import Path

import pytest

from course_utils import config
from course_utils.config import PROFILES, REPO_ROOT, ConfigError, get_config, seed_everything


def test_defaults_are_the_fast_cpu_profile():
    cfg = get_config(env={})
    assert cfg.profile == PROFILES["fast"]
    assert cfg.profile.device == "cpu"
    assert cfg.cache_dir == REPO_ROOT / ".cache"
    assert cfg.datasets_dir == REPO_ROOT / "datasets"
    assert cfg.models_dir == REPO_ROOT / ".cache" / "models"
    assert (cfg.seed, cfg.generator, cfg.embedder, cfg.allow_hub) == (42, "smollm2-135m-instruct", "all-minilm-l6-v2", False)


def test_fast_profile_is_smaller_than_full():
    fast, full = PROFILES["fast"], PROFILES["full"]
    for knob in ("eval_limit", "train_scale", "max_new_tokens"):
        assert getattr(fast, knob) < getattr(full, knob), knob


def test_environment_overrides(tmp_path):
    env = {
        "COURSE_PROFILE": "full",
        "COURSE_CACHE_DIR": str(tmp_path / "c"),
        "COURSE_DATASETS_DIR": str(tmp_path / "d"),
        "COURSE_SEED": "7",
        "COURSE_GENERATOR": "my-gen",
        "COURSE_EMBEDDER": "my-emb",
        "COURSE_ALLOW_HUB": "1",
        "COURSE_DEVICE": "cpu",
        "COURSE_GENERATION_PRECISION": "fp32",
    }
    cfg = get_config(env=env)
    assert cfg.profile.name == "full" and cfg.profile.device == "cpu"
    assert cfg.cache_dir == tmp_path / "c" and cfg.datasets_dir == tmp_path / "d"
    assert (cfg.seed, cfg.generator, cfg.embedder, cfg.allow_hub) == (7, "my-gen", "my-emb", True)
    assert cfg.generation_precision == "fp32" and get_config(env={}).generation_precision == "auto"


def test_keyword_overrides_win_over_environment(tmp_path):
    cfg = get_config(env={"COURSE_SEED": "7"}, seed=3, cache_dir=str(tmp_path))
    assert cfg.seed == 3
    assert cfg.cache_dir == Path(tmp_path)


@pytest.mark.parametrize(
    "env, overrides, message",
    [
        ({"COURSE_PROFILE": "turbo"}, {}, "Unknown run profile 'turbo'"),
        ({"COURSE_SEED": "abc"}, {}, "COURSE_SEED='abc' is not an integer"),
        ({"COURSE_SEED": "-1"}, {}, "seed must be a whole number from 0"),
        ({"COURSE_ALLOW_HUB": "maybe"}, {}, "not a yes/no value"),
        ({"COURSE_DEVICE": "tpu"}, {}, "COURSE_DEVICE='tpu' is not supported"),
        ({"COURSE_GENERATION_PRECISION": "fp16"}, {}, "COURSE_GENERATION_PRECISION='fp16' is not supported"),
        ({}, {"batch": 3}, "Unknown config field(s) ['batch']"),
    ],
)
def test_bad_values_raise_a_config_error_that_says_what_to_do(env, overrides, message):
    with pytest.raises(ConfigError) as err:
        get_config(env=env, **overrides)
    assert message in str(err.value)


def test_reading_the_config_creates_nothing(tmp_path):
    get_config(env={"COURSE_CACHE_DIR": str(tmp_path / "not-yet")})
    assert not (tmp_path / "not-yet").exists()


def test_seed_everything_repeats_random_draws():
    import numpy as np
    import torch

    seed_everything(5)
    first = (np.random.rand(3), torch.rand(3))
    seed_everything(5)
    second = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(first[0], second[0]) and torch.equal(first[1], second[1])


@pytest.mark.parametrize("seed", ["5", 1.5, True, -1, 2**32])
def test_a_seed_that_is_not_a_whole_number_is_a_config_error(seed, tmp_path):
    with pytest.raises(ConfigError, match="seed must be a whole number"):
        get_config(seed=seed, cache_dir=tmp_path)


def test_the_full_profile_changes_every_training_run_the_notebooks_use():
    """Notebooks 03-05b take their training settings from finetune.train_settings (one table, scaled by the profile;
    05 and 05b through course_utils/systems.py), and COURSE_PROFILE=full trains each of them longer; checked without
    training anything."""
    import json
    import re

    from course_utils import finetune, systems

    source = (REPO_ROOT / "course_utils" / "systems.py").read_text()
    used = {"systems.py": [getattr(systems, name) for name in re.findall(r"train_settings\((\w+)\)", source)]}
    assert set(used["systems.py"]) == {systems.CLOSED_BOOK_RUN, systems.READER_RUN}
    for name in ("03_finetuning_with_lora", "04_can_finetuning_teach_facts"):
        cells = json.loads((REPO_ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert not re.search(r"TrainSettings\(\s*\w", code), f"{name} builds its own TrainSettings; use finetune.train_settings(run)"
        used[name] = re.findall(r'train_settings\("([\w-]+)"\)', code)
        assert used[name], f"{name} trains nothing through finetune.train_settings"
    fast, full = get_config(profile="fast"), get_config(profile="full")
    for run in {run for runs in used.values() for run in runs}:
        a, b = finetune.train_settings(run, fast), finetune.train_settings(run, full)
        assert b.steps == a.steps * full.profile.train_scale > a.steps, run
        assert (a.batch_size, a.learning_rate, a.max_length) == (b.batch_size, b.learning_rate, b.max_length), run
    assert sorted(r for runs in used.values() for r in runs) == sorted(config.TRAINING_RUNS)
    with pytest.raises(finetune.FinetuneError, match="The course's runs"):
        finetune.train_settings("nope")


def test_threads_follow_a_containers_cpu_quota(tmp_path):
    import torch

    from course_utils.config import cpu_budget, fit_threads_to_cpu_budget

    import os

    read = cpu_budget.__wrapped__  # subtle: cpu_budget is cached per argument; read the rewritten file each time
    usable = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("100000 100000\n")  # what Binder's 1-CPU quota looks like
    assert read(str(tmp_path)) == 1
    (tmp_path / "cpu.max").write_text("250000 100000\n")  # 2.5 CPUs: rounded up, never above the usable cores
    assert read(str(tmp_path)) == min(usable, 3)
    (tmp_path / "cpu.max").write_text("max 100000\n")  # no quota: the CPUs the process may run on
    assert read(str(tmp_path)) == usable
    assert read(str(tmp_path / "missing")) == usable
    before = torch.get_num_threads()
    try:
        assert fit_threads_to_cpu_budget(1) == 1 and torch.get_num_threads() == 1
        fit_threads_to_cpu_budget(before + 8)  # never raises the count
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_every_knob_is_one_row_that_makes_the_default_and_the_readme_line():
    from dataclasses import fields

    from course_utils.config import ENV_VARS, KNOBS, CourseConfig

    made = CourseConfig()
    for knob in KNOBS:
        assert ENV_VARS[knob.env] == knob.help
        if knob.name == "profile":
            assert made.profile == PROFILES[knob.default]
        elif knob.name in {f.name for f in fields(CourseConfig)}:
            assert getattr(made, knob.name) == knob.default, knob.name
    assert set(ENV_VARS) == {k.env for k in KNOBS}
    assert get_config(env={"COURSE_MEMORY_CHECK": "0"}).memory_check is False
    assert get_config(env={}).memory_check is True


def test_get_config_sets_no_threads(monkeypatch):
    import torch

    from course_utils import config

    monkeypatch.setattr(config, "cpu_budget", lambda *a: 1)
    before = torch.get_num_threads()
    get_config(env={})
    assert torch.get_num_threads() == before  # only fit_threads_to_cpu_budget(), in each setup cell, sets them


def test_every_run_and_generation_use_in_the_tables_is_valid():
    """The tables of config.py are plain data: each entry must build its settings (a typo in a key fails here)."""
    from course_utils import finetune, models

    for run, spec in config.TRAINING_RUNS.items():
        assert finetune.train_settings(run, get_config()).steps >= spec["steps"]
    assert finetune.settings_from(config.READER) == finetune.TrainSettings(**config.TRAINING_RUNS["support-reader"])
    for use in config.GENERATION:
        assert models.generation_settings(use) == models.GenerationSettings(**config.GENERATION[use])
    assert models.generation_settings("grounded", max_new_tokens=32).max_new_tokens == 32
    with pytest.raises(models.GenerationError, match="Unknown generation use"):
        models.generation_settings("nope")
    with pytest.raises(models.GenerationError, match="Unknown generation setting"):
        models.generation_settings("chat", max_tokens=3)
