"""Run the course's notebooks through a real Jupyter server inside a Binder-sized box, and measure them.

scripts/binder_rehearsal.sh installs a fresh copy of the course the way Binder builds it, then runs this file with
that copy's Python. Here:

1. a memory cgroup gets a hard limit (2 GB, as a Binder session) with no swap;
2. JupyterLab's server starts inside it, pinned to one CPU, through binder/start (Binder's entry point);
3. every file of the copy and its virtual environment is dropped from the page cache, so the model's weights and
   the libraries are read again *inside* the limit, where their cache pages count, as on Binder;
4. each notebook runs in a fresh kernel that the server starts (the sessions API, as JupyterLab opens a notebook),
   one code cell after another over the kernel's websocket, as a learner's "Run all" does.

While a notebook runs, a sampler reads the cgroup's memory (with the page cache; and its working set, without the
inactive file cache) and the summed resident memory of the server and the kernel. The box's figure counts the page
cache too, so it is the tighter one: when it reaches the limit the kernel reclaims cache, and only what cannot be
reclaimed ends in an out-of-memory kill. An out-of-memory kill, a dead kernel, a cell error, or server and kernel
resident over the limit fail the rehearsal; a box at the limit is reported. Figures go to benchmarks/binder.json in the course being rehearsed.

Linux only, as root: it needs a writable memory cgroup (v1 ``/sys/fs/cgroup/memory`` or v2 with the memory
controller).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

MB = 1024 * 1024


class Box:
    """A memory cgroup with a hard limit and no swap (cgroup v1 or v2)."""

    def __init__(self, limit_mb: int):
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        if v2.exists() and "memory" in v2.read_text().split():
            self.v2, parent = True, Path("/sys/fs/cgroup")
        elif Path("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists():
            self.v2, parent = False, Path("/sys/fs/cgroup/memory")
        else:
            raise SystemExit("error: no memory cgroup here (neither v1 /sys/fs/cgroup/memory nor v2 with the memory "
                             "controller). Rehearse on a Linux machine where you are root.")
        self.path = parent / f"course-binder-{os.getpid()}"
        try:
            self.path.mkdir()
        except OSError as err:
            raise SystemExit(f"error: cannot create a memory cgroup under {parent} ({err}); run as root.") from err
        limit = str(limit_mb * MB)
        if self.v2:
            self._write("memory.max", limit)
            self._write("memory.swap.max", "0", missing_ok=True)
        else:
            self._write("memory.limit_in_bytes", limit)
            self._write("memory.memsw.limit_in_bytes", limit, missing_ok=True)  # no swap either (if accounted)
        self.limit_mb = limit_mb

    def _write(self, name: str, value: str, missing_ok: bool = False) -> None:
        try:
            (self.path / name).write_text(value)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def join(self) -> None:
        """Put the calling process in the box (used in the server's child process before it runs the server)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def usage_mb(self) -> tuple[float, float]:
        """Memory charged to the box, with the page cache, and its working set (without the inactive file cache)."""
        stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        if self.v2:
            usage = int((self.path / "memory.current").read_text())
            inactive = int(stat.get("inactive_file", 0))
        else:
            usage = int((self.path / "memory.usage_in_bytes").read_text())
            inactive = int(stat.get("total_inactive_file", stat.get("inactive_file", 0)))
        return usage / MB, max(usage - inactive, 0) / MB

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        for line in (self.path / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """Peaks of the box's memory and of the processes' summed resident memory, sampled every 0.1 s."""

    def __init__(self, box: Box, server_pid: int):
        super().__init__(daemon=True)
        self.box, self.server_pid = box, server_pid
        self.running = True
        self.reset()

    def reset(self) -> None:
        self.peaks = {"cgroup_peak_mb": 0.0, "working_set_peak_mb": 0.0, "rss_peak_mb": 0.0, "kernel_rss_peak_mb": 0.0}

    def run(self) -> None:
        while self.running:
            try:
                usage, working = self.box.usage_mb()
                pids = self.box.pids()
            except OSError:
                break
            rss = {pid: rss_mb(pid) for pid in pids}
            kernel = sum(v for pid, v in rss.items() if pid != self.server_pid)
            for key, value in (("cgroup_peak_mb", usage), ("working_set_peak_mb", working),
                               ("rss_peak_mb", sum(rss.values())), ("kernel_rss_peak_mb", kernel)):
                self.peaks[key] = max(self.peaks[key], value)
            time.sleep(0.1)


def drop_from_page_cache(*roots: Path) -> int:
    """Ask the kernel to forget the cached pages of every file under roots; returns how many MB of files it saw."""
    seen = 0
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                except OSError:
                    continue
                try:
                    seen += os.fstat(fd).st_size
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)
    return round(seen / MB)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, course: Path, box: Box, cpu: str):
        self.port, self.token = free_port(), secrets.token_hex(16)
        command = ["taskset", "-c", cpu, "bash", "binder/start", "jupyter", "lab", "--no-browser",
                   f"--ServerApp.port={self.port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={course}", "--ServerApp.open_browser=False"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(course / "binder-rehearsal-server.log", "w")
        self.process = subprocess.Popen(command, cwd=course, stdout=self.log, stderr=subprocess.STDOUT,
                                        preexec_fn=box.join)
        deadline = time.time() + 120
        while True:
            try:
                self.request("GET", "/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"error: the Jupyter server did not start; see {self.log.name}")
                time.sleep(0.5)

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as response:
            text = response.read()
        return json.loads(text) if text else {}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def message(session: str, code: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "username": "learner", "session": session,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}


async def run_cells(server: Server, kernel_id: str, cells: list[str], timeout_s: float) -> str | None:
    """Execute the cells in order; returns None, or what went wrong (a cell's error, a dead kernel, a time-out)."""
    session = uuid.uuid4().hex
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {server.token}"}),
                                 max_message_size=512 * MB)
    deadline = time.time() + timeout_s
    try:
        for index, code in cells:
            request = message(session, code)
            ws.write_message(json.dumps(request))
            replied = idle = False
            while not (replied and idle):
                left = deadline - time.time()
                if left <= 0:
                    return f"cell {index}: still running after {timeout_s:.0f} s"
                try:
                    raw = await asyncio.wait_for(ws.read_message(), left)
                except asyncio.TimeoutError:
                    continue
                if raw is None:
                    return f"cell {index}: the kernel's connection closed (the kernel died?)"
                if isinstance(raw, bytes):  # binary frames carry buffers (widgets); nothing to check there
                    continue
                msg = json.loads(raw)
                kind = msg.get("msg_type") or msg["header"]["msg_type"]
                if kind == "status" and msg["content"].get("execution_state") in ("dead", "restarting"):
                    return f"cell {index}: the kernel died ({msg['content']['execution_state']})"
                if msg.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                if kind == "execute_reply":
                    replied = True
                    if msg["content"]["status"] == "error":
                        return f"cell {index}: {msg['content']['ename']}: {msg['content']['evalue']}"
                elif kind == "status" and msg["content"].get("execution_state") == "idle":
                    idle = True
        return None
    finally:
        ws.close()


def code_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
            for i, c in enumerate(cells) if c["cell_type"] == "code"]


def run_notebook(server: Server, box: Box, sampler: Sampler, course: Path, notebook: Path,
                 timeout_s: float) -> dict:
    relative = notebook.relative_to(course).as_posix()
    kills_before = box.oom_kills()
    sampler.reset()
    start = time.perf_counter()
    session = server.request("POST", "/api/sessions", {"path": relative, "type": "notebook", "name": notebook.name,
                                                       "kernel": {"name": "python3"}})
    try:
        error = asyncio.run(run_cells(server, session["kernel"]["id"], code_cells(notebook), timeout_s))
    finally:
        seconds = time.perf_counter() - start
        try:
            server.request("DELETE", f"/api/sessions/{session['id']}")
        except OSError:
            pass
    time.sleep(2)  # let the kernel's process go before the next notebook's peaks start
    kills = box.oom_kills() - kills_before
    if kills and not error:
        error = "the out-of-memory killer ran"
    row = {"notebook": notebook.stem, "seconds": round(seconds, 1), "ok": error is None, "error": error,
           "oom_kills": kills, **{k: round(v) for k, v in sampler.peaks.items()}}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path, help="the course copy to rehearse (installed as Binder would)")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run, in order (default: every numbered one)")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu", default="0", help="the CPU list to pin the server and its kernels to (taskset)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a notebook may take")
    parser.add_argument("--output", type=Path, help="where to write the figures (default: benchmarks/binder.json)")
    parser.add_argument("--install-seconds", type=float)
    args = parser.parse_args()
    course = args.course.resolve()
    notebooks = ([course / n for n in args.notebooks] if args.notebooks
                 else sorted((course / "notebooks").glob("[0-9][0-9]*.ipynb")))
    box = Box(args.memory_mb)
    server = None
    rows = []
    try:
        server = Server(course, box, args.cpu)
        sampler = Sampler(box, server.process.pid)
        sampler.start()
        dropped = drop_from_page_cache(course, Path(sys.prefix))
        print(f"box: {args.memory_mb} MB (no swap), CPU {args.cpu}; JupyterLab on port {server.port}; "
              f"{dropped} MB of files dropped from the page cache, to be read inside the box", flush=True)
        for notebook in notebooks:
            row = run_notebook(server, box, sampler, course, notebook, args.timeout)
            rows.append(row)
            print(f"{row['notebook']:<36} {row['seconds']:7.1f} s  server+kernel RSS {row['rss_peak_mb']:5d} MB  "
                  f"box {row['cgroup_peak_mb']:5d} MB (working set {row['working_set_peak_mb']:5d} MB)  "
                  f"{'ok' if row['ok'] else 'FAILED: ' + row['error']}", flush=True)
        sampler.running = False
    finally:
        if server is not None:
            server.stop()
        box.remove()
    machine = subprocess.run([sys.executable, "-P", "-c", "import json; from course_utils.results import "
                              "machine_info; print(json.dumps(machine_info()))"],
                             cwd=course, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    record = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "what": "every notebook through JupyterLab's server in a fresh kernel, in a memory cgroup with a hard limit "
                "and no swap, on one CPU; model and library files read inside the limit",
        "limit_mb": args.memory_mb, "cpus": args.cpu,
        "install_seconds": args.install_seconds,
        "machine": json.loads(machine.stdout) if machine.returncode == 0 else None,
        "total_seconds": round(sum(r["seconds"] for r in rows), 1),
        "notebooks": rows,
    }
    output = args.output or course / "benchmarks" / "binder.json"
    output.write_text(json.dumps(record, indent=2) + "\n")
    print(f"total {record['total_seconds']:.1f} s; figures written to {output}")
    for r in rows:
        if r["cgroup_peak_mb"] >= args.memory_mb - 16:
            print(f"note: {r['notebook']} filled the box to its limit; the kernel reclaimed page cache to go on")
    failed = [r for r in rows if not r["ok"] or r["rss_peak_mb"] > args.memory_mb]
    for r in failed:
        print(f"error: {r['notebook']} did not fit: {r['error'] or 'server and kernel resident over the limit'}",
              file=sys.stderr)
    return 1 if failed or len(rows) < len(notebooks) else 0


if __name__ == "__main__":
    sys.exit(main())
