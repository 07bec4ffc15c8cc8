#!/usr/bin/env bash
# The course's commands. On a fresh machine (Python 3.11+ only) each one sets everything up first:
# a virtual environment in .venv, the pinned requirements, the offline models.
#
#   bash course.sh start      set up and open JupyterLab on notebook 00
#   bash course.sh test       set up and run the whole test suite (every notebook included)
#   bash course.sh workbench  set up and open the decision workbench (notebook 06) as a page of its own
#
#   bash course.sh setup      only set up
#   bash course.sh notebooks  re-execute every notebook in place (refreshes the committed outputs)
#   bash course.sh bench      time every notebook in a fresh kernel; prints and saves the figures
#   bash course.sh wheels     download every package into ./wheelhouse for an offline workshop room
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${COURSE_VENV:-.venv}

# The course never needs the network at run time; allow it only when the Hub is explicitly allowed.
if [ "${COURSE_ALLOW_HUB:-0}" != "1" ]; then export HF_HUB_OFFLINE=1; fi

bin_dir() { if [ -d "$VENV/Scripts" ]; then echo "$VENV/Scripts"; else echo "$VENV/bin"; fi; }

# JupyterLab will not start as root (as in many containers) without --allow-root: print it when it is needed.
# Voila 0.5 runs as root as it is and has no such flag, so the workbench needs nothing.
root_flag() {
  if [ "$(id -u 2>/dev/null)" = 0 ]; then
    echo "running as root (a container?): starting $1 with --allow-root" >&2
    echo --allow-root
  fi
}

setup() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: the course needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing)." >&2
    echo "Install Python 3.11+ and run again, or point PYTHON at it: PYTHON=python3.11 bash course.sh $1" >&2
    exit 1
  fi
  if [ ! -x "$(bin_dir)/python" ]; then
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
      echo "error: '$PYTHON' cannot create virtual environments (the venv/ensurepip modules are missing)." >&2
      echo "On Debian or Ubuntu: sudo apt install python3-venv  (or python3.11-venv), then run this again." >&2
      exit 1
    fi
    "$PYTHON" -m venv "$VENV"
  fi
  local py stamp
  py="$(bin_dir)/python"
  # Re-install only when what we install has changed.
  stamp=$(cat requirements.txt requirements-nodeps.txt pyproject.toml scripts/install.sh | "$py" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  if [ "$(cat "$VENV/.course-installed" 2>/dev/null)" != "$stamp" ]; then
    PYTHON="$py" bash scripts/install.sh
    echo "$stamp" > "$VENV/.course-installed"
  fi
  "$py" -P -m course_utils.models prepare
}

command=${1:-help}
[ $# -gt 0 ] && shift
case "$command" in
  start)
    setup start
    # shellcheck disable=SC2046  # root_flag prints nothing or one word
    exec "$(bin_dir)/jupyter" lab --ServerApp.root_dir="$PWD" notebooks/00_start_here.ipynb $(root_flag JupyterLab) "$@" ;;
  test)
    setup test
    # subtle: -P keeps the current folder off sys.path; otherwise our datasets/ folder would shadow the
    # Hugging Face `datasets` package that transformers' Trainer looks for.
    exec "$(bin_dir)/python" -P -m pytest --nbval-lax --nbval-current-env "$@" ;;
  workbench)
    setup workbench
    # Voila runs notebook 06 and shows its outputs only (code hidden), on this machine only (127.0.0.1).
    exec "$(bin_dir)/voila" notebooks/06_decision_workbench.ipynb --Voila.ip=127.0.0.1 "$@" ;;
  setup)
    setup setup ;;
  notebooks)
    setup notebooks
    for nb in notebooks/[0-9]*.ipynb; do
      echo "Executing $nb"
      "$(bin_dir)/jupyter" nbconvert --log-level=WARN --to notebook --execute --inplace "$nb"
    done ;;
  bench)
    setup bench
    exec "$(bin_dir)/python" benchmarks/run_notebooks.py "$@" ;;
  wheels)
    setup wheels
    # A broken download (dropped connection, hash mismatch) passes: try each download up to three times.
    for deps in "-r requirements.txt setuptools wheel" "--no-deps -r requirements-nodeps.txt"; do
      for attempt in 1 2 3; do
        # shellcheck disable=SC2086  # $deps is several words on purpose
        "$(bin_dir)/python" -m pip download --disable-pip-version-check -q --no-cache-dir -d wheelhouse $deps && break
        [ "$attempt" = 3 ] && { echo "error: pip could not download the course's packages (see above)." >&2; exit 1; }
        echo "pip download failed (attempt $attempt of 3); trying again..." >&2
      done
    done
    "$(bin_dir)/python" -P -m course_utils.models pack wheelhouse/models  # learners copy instead of converting
    du -sh wheelhouse
    echo "Copy this folder, with wheelhouse/, to the workshop machines; setup installs from it offline."
    echo "Rehearse it here with the network cut: bash scripts/offline_rehearsal.sh" ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    [ "$command" = help ] || { echo "unknown command: $command" >&2; exit 2; } ;;
esac
