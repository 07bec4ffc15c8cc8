#!/usr/bin/env bash
# Rehearse the Colab path as far as a machine without Colab allows. A fresh virtual environment first gets a torch
# and, at older versions, packages Colab preinstalls (the list below, a stand-in: Colab's own set changes); then the
# Colab cell's install runs in a fresh copy of the course (scripts/install.sh --keep-torch); then notebook 00 runs
# whole and every other notebook up to its import cell, each in a fresh kernel.
#
#   bash scripts/colab_rehearsal.sh        about 5 minutes, most of it pip
#
# What it cannot prove: Colab's GPU, Colab's own package builds (its torch is a CUDA build), and Colab's Jupyter
# server, which keeps running the kernel while pip replaces packages under it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
room=$(mktemp -d)
trap 'rm -rf "$room"' EXIT
git clone -q . "$room/course-kit"  # the Colab cell clones the committed course
"$PYTHON" -m venv "$room/venv"
py="$room/venv/bin/python"
pip=("$py" -m pip install --disable-pip-version-check --quiet)
torch_pin=$(grep '^torch==' requirements.txt)
cat > "$room/colab-like.txt" <<'PINS'
transformers==4.57.1
accelerate==1.10.1
peft==0.17.1
sentence-transformers==5.1.2
numpy==2.0.2
pandas==2.2.2
matplotlib==3.10.0
scipy==1.16.3
scikit-learn==1.6.1
ipywidgets==7.7.1
tqdm==4.67.1
jsonschema==4.25.1
ipykernel==6.17.1
PINS
start=$SECONDS
"${pip[@]}" "$torch_pin"  # stands in for Colab's torch, which --keep-torch keeps
"${pip[@]}" -r "$room/colab-like.txt"
echo "--- before: a Colab-like environment ($((SECONDS - start)) s)"
"$py" -m pip list --format=freeze 2>/dev/null | grep -i -E '^(torch|transformers|peft|sentence-transformers|numpy|pandas|ipywidgets|ipykernel)==' | tr '\n' ' '; echo
start=$SECONDS
echo "--- the Colab cell's install: scripts/install.sh --keep-torch"
PYTHON="$py" bash "$room/course-kit/scripts/install.sh" --keep-torch
echo "installed in $((SECONDS - start)) s; after:"
"$py" -m pip list --format=freeze 2>/dev/null | grep -i -E '^(torch|transformers|peft|sentence-transformers|numpy|pandas|ipywidgets|ipykernel)==' | tr '\n' ' '; echo
# pip check, less what requirements-nodeps.txt installs without its declared dependencies on purpose (it says why)
nodeps=$(grep -v -E '^\s*(#|$)' requirements-nodeps.txt | sed 's/==.*//' | paste -sd'|')
broken=$("$py" -m pip check | grep -v -i -E "^($nodeps) " || true)
if [ -n "$broken" ]; then
  echo "$broken"
  echo "error: pip check found broken requirements (above)" >&2
  exit 1
fi
cd "$room/course-kit"
HF_HUB_OFFLINE=1 "$py" -P -m course_utils.models prepare
echo "--- notebook 00 whole, then each notebook up to its import cell"
HF_HUB_OFFLINE=1 "$py" -P - <<'PY'
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for path in sorted(Path("notebooks").glob("[0-9][0-9]*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    if not path.name.startswith("00_"):
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        nb.cells = nb.cells[: code[1] + 1]  # the Colab cell, then the import cell
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
    what = "whole" if path.name.startswith("00_") else "to its import cell"
    print(f"{path.stem:<36} {what:<20} ok in {time.perf_counter() - start:5.1f} s", flush=True)
PY
