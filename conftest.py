"""The whole test suite runs offline by construction: see tests/network_guard/course_network_guard.py."""

import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
GUARD = ROOT / "tests" / "network_guard"
# subtle: pytest puts the folder of this file on sys.path to import it, which undoes `python -P`: our datasets/
# folder would then shadow the Hugging Face `datasets` package that transformers' Trainer imports. Take it off.
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != ROOT]


def pytest_configure(config):
    config._course_session_start = time.time()
    config._course_notebooks_run = set()
    log = Path(tempfile.mkdtemp(prefix="course-network-")) / "attempts.log"
    log.touch()
    config._course_network_log = log
    os.environ["COURSE_NETWORK_LOG"] = str(log)
    # every Python process started from here on (notebook kernels included) installs the guard at start-up
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(GUARD))
    import course_network_guard

    course_network_guard.install()


def pytest_sessionfinish(session, exitstatus):
    log = getattr(session.config, "_course_network_log", None)
    attempts = log.read_text(encoding="utf-8") if log and log.exists() else ""
    if attempts:
        print("\nNETWORK ACCESS ATTEMPTED during the tests (the course must run offline):\n" + attempts, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(session, config, items):
    """The lesson checks (tests/test_lessons.py) read what the notebooks' runs saved: run them after the notebooks."""
    config._course_notebooks_run = {Path(str(item.fspath)).stem for item in items if str(item.fspath).endswith(".ipynb")}
    items.sort(key=lambda item: Path(str(item.fspath)).name == "test_lessons.py")  # stable: the rest keep their order
