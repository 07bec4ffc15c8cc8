"""Meters for the cost side of every experiment: wall time, peak memory, prompt length.

    >>> with Timer() as t:
    ...     total = sum(range(10_000))
    >>> t.seconds > 0
    True

Peak memory is the process's peak resident set size (RSS) as the operating system reports it; it
counts everything the kernel process has touched since it started, not one function alone.
Wall time is what a learner waits for, so it includes Python overhead; it varies from run to run,
which is why the course reports timings but never checks them in tests. To give one configuration a peak of its
own, the benchmark scripts measure each in a fresh process (`in_fresh_process`).
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import resource
import subprocess
import sys
import time

from ..config import CourseError, get_config
from . import MetricError


class Timer:
    """Context manager that measures elapsed wall time in seconds (``.seconds``)."""

    def __enter__(self) -> "Timer":
        self.seconds = 0.0
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux and macOS; current RSS on Windows)."""
    try:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # subtle: Linux reports KiB, macOS reports bytes.
        return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024
    except ImportError:  # Windows has no `resource`; psutil's peak_wset is the closest figure
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / 1024 / 1024


def current_rss_mb() -> float:
    """Resident memory of this process right now, in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / 1024 / 1024


def in_fresh_process(script, *arguments: str) -> dict:
    """Run ``python -P script *arguments`` in a fresh process (offline, no progress bars) and return the JSON object
    it prints on its last line, so that what the run measures (its peak memory above all) is its own. Raises
    SystemExit with the end of the run's error output when it fails."""
    done = subprocess.run([sys.executable, "-P", str(script), *arguments], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"})
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"{script} {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def release_free_memory() -> None:
    """Give memory that Python and torch have freed back to the operating system, where the C library allows it.

    subtle: glibc (Linux) keeps freed blocks to reuse them, and after a batch of generation it holds several
    hundred MB that no tensor uses any more (benchmarks/generation_settings.json: each row's `rss_after_mb` against
    `rss_after_release_mb`, after generating with this call in between). On a 2 GB machine that matters, so `finetune.train_lora` calls this before training, where a
    notebook's memory peaks. It costs a fraction of a second (a full garbage collection), so it is not called after
    every generation. Elsewhere than Linux it only runs the garbage collector.
    """
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
            pass


class MemoryBudgetError(CourseError, RuntimeError):
    """A step would need more memory than this machine has free; the message says what to close or change."""


def available_memory_mb() -> float:
    """Memory the operating system can still give this process, in MiB.

    The smaller of the machine's available memory (psutil) and what is left under a container's limit
    (cgroup v2 ``memory.max`` minus ``memory.current``; Binder and Docker set one, and the machine's own
    figure would not show it).
    """
    import psutil

    free = psutil.virtual_memory().available / 1024 / 1024
    try:
        limit = open("/sys/fs/cgroup/memory.max").read().strip()
        used = open("/sys/fs/cgroup/memory.current").read().strip()
        if limit != "max":
            free = min(free, (int(limit) - int(used)) / 1024 / 1024)
    except (OSError, ValueError):  # no cgroup v2 files (macOS, Windows, cgroup v1): the machine's figure
        pass
    return free


def check_memory(needed_mb: float, what: str, advice: str = "") -> float:
    """Stop with advice, before `what` starts, when less than `needed_mb` MiB is free; return the free MiB.

    A kernel that runs out of memory dies without a message and loses every variable; this check turns that
    into an error that says what to close. Set ``COURSE_MEMORY_CHECK=0`` to skip it (for instance where the
    operating system would swap rather than fail).
    """
    if not isinstance(needed_mb, (int, float)) or isinstance(needed_mb, bool) or needed_mb < 0:
        raise MetricError(f"needed_mb must be a number of MiB (0 or more), got {needed_mb!r}.")
    free = available_memory_mb()
    if not get_config().memory_check:
        return free
    if free < needed_mb:
        raise MemoryBudgetError(
            f"{what} needs about {needed_mb:,.0f} MB of memory, but only {free:,.0f} MB is free. "
            "Close other notebooks (Kernel > Shut Down All Kernels in JupyterLab) and other large programs, "
            f"then run the cell again.{' ' + advice if advice else ''} "
            "(To skip this check, set COURSE_MEMORY_CHECK=0.)"
        )
    return free


def count_tokens(tokenizer, text: str) -> int:
    """Number of tokens the model sees for `text` (no special tokens added)."""
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])
