"""Drive the course in a real browser: a Jupyter server on loopback, Debian's headless Chromium, Playwright.

    with serve("lab", folder) as server, open_page() as page:       # or serve("voila", folder, "06_x.ipynb")
        page.goto(server.url("lab/tree/06_x.ipynb"))
        run_all_cells(page)
        screenshot(page, "lab-workbench")                            # -> test-artefacts/browser/lab-workbench.png

Everything stays on this machine: the server listens on 127.0.0.1 only, on a free port, behind a random token; the
page may reach 127.0.0.1 only (every other request is aborted and recorded in `page.blocked`). Jupyter's config and
runtime folders are temporary, so nothing of the user's is read or written. On exit the server and every process it
started (kernels) are stopped by their process ids. Playwright never downloads a browser: it drives /usr/bin/chromium
(or $COURSE_CHROMIUM). Reusable by any browser test, e.g. one that runs every notebook.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = REPO_ROOT / "test-artefacts" / "browser"  # gitignored
VIEWPORT = {"width": 1280, "height": 800}
START_TIMEOUT_S = 90  # a cold JupyterLab start on 2 busy cores takes 10-30 s


def chromium_path() -> str | None:
    for candidate in (os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def skip_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -r requirements.txt"
    if chromium_path() is None:
        return "no Chromium at /usr/bin/chromium: install Debian's (apt-get install chromium; .ci/run does) or set COURSE_CHROMIUM"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    token: str
    process: subprocess.Popen
    log: Path

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}{'&' if '?' in path else '?'}token={self.token}"

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _command(kind: str, folder: Path, notebook: str | None, port: int, token: str, tmp: Path) -> list[str]:
    if kind == "lab":
        return [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
                f"--LabApp.user_settings_dir={tmp / 'settings'}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
                "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.geteuid() == 0 else [])]
    if kind == "voila":
        return [sys.executable, "-m", "voila", str(folder / notebook), "--no-browser", "--Voila.ip=127.0.0.1",
                f"--port={port}", "--Voila.port_retries=0", f"--token={token}"]
    raise ValueError(f"Unknown server kind {kind!r}: use 'lab' or 'voila'.")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server, then any process it started that is still running (kernels), each by its id."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    psutil.wait_procs(children, timeout=5)
    for child in children:
        with contextlib.suppress(psutil.Error):
            if child.is_running():
                child.kill()


@contextlib.contextmanager
def serve(kind: str, folder: Path, notebook: str | None = None, env: dict | None = None):
    """A JupyterLab ("lab") or Voilà ("voila", serving `notebook`) server on 127.0.0.1 for `folder`; yields a Server."""
    tmp = Path(tempfile.mkdtemp(prefix="course-browser-"))
    port, token = free_port(), secrets.token_hex(16)
    log = tmp / f"{kind}.log"
    environment = {**os.environ, **(env or {}), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
                   "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    # Render every cell, not only those in view, so that a test can find any output without scrolling first.
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    with open(log, "w") as out:
        process = subprocess.Popen(_command(kind, folder, notebook, port, token, tmp), cwd=folder, env=environment,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", token, process, log)
    try:
        probe = server.url("api/status" if kind == "lab" else "")
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"The {kind} server exited with code {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"The {kind} server did not answer within {START_TIMEOUT_S} s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def open_page(timeout_ms: int = 30_000):
    """A 1280x800 page in headless Chromium that can reach 127.0.0.1 only; `page.blocked` lists what it refused."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: Chromium's sandbox cannot start as root (CI runs as root); the page only sees our own server.
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            page.blocked = []

            def loopback_only(route):
                host = urlparse(route.request.url).hostname
                if route.request.url.startswith(("data:", "blob:", "file:")) or host in ("127.0.0.1", "localhost"):
                    route.continue_()
                else:
                    page.blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", loopback_only)
            try:
                yield page
            except Exception:
                with contextlib.suppress(Exception):  # the picture of a failure, for whoever reads the test log
                    print(f"page at failure: {screenshot(page, f'failure-{int(time.time())}', full_page=True)}")
                raise
        finally:
            browser.close()


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Save a PNG of the page under test-artefacts/browser/ and return its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def clean_copy(notebook: Path, folder: Path) -> Path:
    """Copy `notebook` into `folder` without outputs, so a test sees only what it ran (and never edits the repo)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / notebook.name)
    return folder / notebook.name


def hide_left_sidebar(page) -> None:
    """In JupyterLab: fold the file browser away, so that the notebook gets the page's whole width."""
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()


def wait_until_stable(page, read, quiet_s: float = 2.0, timeout_s: float = 60) -> str:
    """Wait until `read(page)` has not changed for `quiet_s` seconds (a widget that several updates redraw in turn)."""
    deadline, last, since = time.monotonic() + timeout_s, read(page), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = read(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return now
    raise TimeoutError(f"Still changing after {timeout_s} s")


def run_all_cells(page, timeout_ms: int = 180_000) -> None:
    """In JupyterLab, on a notebook without outputs: Run > Run All Cells, then wait until every code cell has run."""
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    # Wait for the kernel: a Run All clicked before it is ready runs nothing.
    page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=timeout_ms)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # A code cell's prompt reads [ ] before it runs, [*] while queued or running, [n] once done.
    page.wait_for_function("() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];"
                           " return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }", timeout=timeout_ms)
