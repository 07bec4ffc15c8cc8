"""The suite runs offline by construction (conftest.py installs tests/network_guard in pytest and, through
PYTHONPATH, in every Python process it starts): proven here, with HF_HUB_OFFLINE unset where it matters."""

import os
import socket
import subprocess
import sys
import urllib.request

import course_network_guard as guard
import pytest

OUTSIDE = ("203.0.113.7", 443)  # TEST-NET-3, reserved for documentation: never a real host
ATTEMPT = f"""
import socket
try:
    socket.create_connection({OUTSIDE!r}, timeout=2)
except ConnectionRefusedError as err:
    print(f"refused: {{type(err).__name__}}")
"""


@pytest.fixture
def own_log(tmp_path, monkeypatch):
    """Deliberate attempts go to this test's own log, not to the session's (which would fail the run)."""
    log = tmp_path / "attempts.log"
    monkeypatch.setenv("COURSE_NETWORK_LOG", str(log))
    return log


def test_an_outbound_connection_fails_loudly(own_log):
    with pytest.raises(guard.NetworkBlocked, match="network access blocked"):
        socket.create_connection(OUTSIDE, timeout=2)
    with pytest.raises(guard.NetworkBlocked, match="look up 'huggingface.co'"):
        socket.getaddrinfo("huggingface.co", 443)
    assert "203.0.113.7" in own_log.read_text() and "huggingface.co" in own_log.read_text()


def test_an_attempt_a_library_swallows_is_still_recorded(own_log):
    try:
        urllib.request.urlopen(f"http://{OUTSIDE[0]}/", timeout=2)
    except Exception:  # what a library that "handles" a network error does
        pass
    assert OUTSIDE[0] in own_log.read_text()


def test_loopback_stays_open():
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert guard.is_local("localhost") and guard.is_local("::1") and not guard.is_local("pypi.org")


def test_child_processes_load_the_models_without_hf_hub_offline(own_log):
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    code = "from course_utils import models\nmodels.load_embedder().encode(['x'])\nmodels.load_generator()\n" + ATTEMPT
    run = subprocess.run([sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "refused: NetworkBlocked" in run.stdout
    assert own_log.read_text().count("pid ") == 1, own_log.read_text()  # the deliberate attempt, nothing from loading


def test_notebook_kernels_are_guarded(own_log, tmp_path):
    from jupyter_client.manager import start_new_kernel

    result = tmp_path / "kernel.txt"
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = ATTEMPT.replace("print(", f"open({str(result)!r}, 'w').write(")  # the kernel's output, in a file
        reply = client.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert result.read_text() == "refused: NetworkBlocked"
    assert OUTSIDE[0] in own_log.read_text()
