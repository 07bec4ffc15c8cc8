"""course.sh's first command works as root: JupyterLab gets --allow-root there, and only there.

No server starts and nothing installs: COURSE_VENV is a temporary folder whose bin/ holds stubs (a `jupyter` and a
`voila` that print their arguments, a `python` that refuses anything but the install stamp's hash and the model
check), its install stamp is the current one, and a stub `id` on PATH plays root or not.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def stub(path, body):
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


@pytest.fixture
def course(tmp_path):
    venv, bin_dir, fake_path = tmp_path / "venv", tmp_path / "venv" / "bin", tmp_path / "path"
    bin_dir.mkdir(parents=True)
    fake_path.mkdir()
    stub(bin_dir / "python", f"""case "$1 $2 $3" in
  "-P -m course_utils.models") exit 0 ;;  # the model check: nothing to prepare here
  -c*) exec "{sys.executable}" "$@" ;;    # the install stamp's hash
esac
echo "stub python: unexpected call: $*" >&2; exit 97
""")
    for tool in ("jupyter", "voila"):
        stub(bin_dir / tool, f'echo "{tool} args: $*"\n')
    stub(fake_path / "id", 'if [ "$1" = -u ]; then echo "$FAKE_UID"; else echo "uid=$FAKE_UID"; fi\n')
    sources = ("requirements.txt", "requirements-nodeps.txt", "pyproject.toml", "scripts/install.sh")
    stamp = hashlib.sha256(b"".join((REPO_ROOT / s).read_bytes() for s in sources)).hexdigest()
    (venv / ".course-installed").write_text(stamp + "\n")

    def run(command, uid, *args):
        env = {**os.environ, "COURSE_VENV": str(venv), "PYTHON": sys.executable, "FAKE_UID": str(uid),
               "PATH": f"{fake_path}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", str(REPO_ROOT / "course.sh"), command, *args], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "unexpected call" not in done.stderr  # nothing was installed
        return done

    return run


def test_start_as_root_passes_allow_root_and_says_so(course):
    done = course("start", 0, "--port=8899")
    assert done.stdout.strip() == (f"jupyter args: lab --ServerApp.root_dir={REPO_ROOT} "
                                   "notebooks/00_start_here.ipynb --allow-root --port=8899")
    assert "running as root (a container?): starting JupyterLab with --allow-root" in done.stderr


def test_start_as_a_user_passes_no_root_flag(course):
    done = course("start", 1000)
    assert done.stdout.strip() == f"jupyter args: lab --ServerApp.root_dir={REPO_ROOT} notebooks/00_start_here.ipynb"
    assert "root" not in done.stderr.replace("root_dir", "")


def test_workbench_as_root_needs_no_flag(course):
    # Voila 0.5 is a plain traitlets Application, not a jupyter_server ServerApp: it has no root check and no
    # --allow-root flag (it would reject one), so the workbench starts the same for root and everyone else.
    for uid in (0, 1000):
        done = course("workbench", uid)
        assert done.stdout.strip() == "voila args: notebooks/06_decision_workbench.ipynb --Voila.ip=127.0.0.1"
        assert "--allow-root" not in done.stderr


def test_voila_has_no_root_check_to_bypass():
    import importlib.util

    spec = importlib.util.find_spec("voila")  # read, not imported: importing Voila pulls in the whole server
    if spec is None:
        pytest.skip("voila is not installed")
    app = (Path(spec.origin).parent / "app.py").read_text()
    assert "class Voila(Application)" in app and "allow-root" not in app and "geteuid" not in app, (
        "this Voila checks for root: pass it --allow-root as `start` does for JupyterLab")
