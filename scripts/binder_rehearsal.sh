#!/usr/bin/env bash
# Rehearse a Binder session on this machine: a fresh copy of the committed course is installed as repo2docker
# builds it (binder/requirements.txt, then binder/postBuild, in a new virtual environment), then every notebook runs
# through JupyterLab's server, started by binder/start, inside a 2 GB memory limit with no swap, pinned to one CPU
# (scripts/binder_rehearsal.py). Prints each notebook's time and peaks and writes benchmarks/binder.json.
#
#   bash scripts/binder_rehearsal.sh                  every notebook, in order (about 40 minutes)
#   bash scripts/binder_rehearsal.sh notebooks/05_rag_plus_finetuning.ipynb ...   only these, in this order
#
# Linux, as root (a memory cgroup must be writable). BINDER_MEMORY_MB (2048) and BINDER_CPU (0) change the box;
# BINDER_OUTPUT writes the figures elsewhere than benchmarks/binder.json.
# It fails when a notebook fails, is killed for memory, or peaks over the limit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "error: the Binder rehearsal needs root, for a memory cgroup of its own (try: sudo bash $0)." >&2
  exit 1
fi
command -v taskset >/dev/null || { echo "error: taskset (package util-linux) is needed to pin one CPU." >&2; exit 1; }
PYTHON=${PYTHON:-python3}
home=$PWD
room=$(mktemp -d)
[ "${BINDER_KEEP:-0}" = 1 ] || trap 'rm -rf "$room"' EXIT
git clone -q . "$room/course"  # what Binder builds from: the committed course
cd "$room/course"
start=$SECONDS
"$PYTHON" -m venv "$room/venv"
export PATH="$room/venv/bin:$PATH"
# binder/requirements.txt asks for PyTorch's CPU index; where that index cannot be reached, the same pinned torch
# comes from the machine's usual package sources instead (say so: the build then differs from Binder's there).
if python - <<'PY'
import urllib.request, sys
try:
    urllib.request.urlopen("https://download.pytorch.org/whl/cpu/torch/", timeout=10)
except Exception:
    sys.exit(1)
PY
then
  python -m pip install --disable-pip-version-check --quiet -r binder/requirements.txt
else
  echo "note: download.pytorch.org is unreachable here; torch comes from the usual package index instead" >&2
  grep -v '^--index-url' binder/requirements.txt > "$room/binder-requirements.txt"
  python -m pip install --disable-pip-version-check --quiet -r "$room/binder-requirements.txt"
fi
bash binder/postBuild
install_seconds=$((SECONDS - start))
echo "installed as Binder builds it in ${install_seconds} s"
status=0
python -P scripts/binder_rehearsal.py "$room/course" "$@" --memory-mb "${BINDER_MEMORY_MB:-2048}" \
  --cpu "${BINDER_CPU:-0}" --install-seconds "$install_seconds" --output "${BINDER_OUTPUT:-$home/benchmarks/binder.json}" || status=$?
[ "${BINDER_KEEP:-0}" = 1 ] && echo "kept: $room"
exit "$status"
