#!/usr/bin/env bash
# Rehearse the offline workshop room on this machine: a fresh copy of the course and its wheelhouse/ is set up,
# and notebook 00 run, with the network cut (a new network namespace, where only loopback exists).
#
#   bash course.sh wheels               # once, with network: packages and the converted model into wheelhouse/
#   bash scripts/offline_rehearsal.sh   # then: set-up and notebook 00 offline; prints sizes and times
#
# Linux only: it needs `unshare -n` (as root) or `unshare -rn` (unprivileged user namespaces).
# pip's own configuration (config files, PIP_* variables, local package folders) is switched off inside,
# so the wheelhouse is the only source of packages, as on a learner's laptop.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d wheelhouse/models ]; then
  echo "error: no complete wheelhouse/ here. Run 'bash course.sh wheels' first (it needs the network once)." >&2
  exit 1
fi
command -v ip >/dev/null || { echo "error: the 'ip' command (package iproute2) is needed to switch loopback on." >&2; exit 1; }
# A new network namespace starts with even loopback down; a laptop without Wi-Fi still has it (and Jupyter's
# kernels talk over it), so switch it on inside, and nothing else.
loopback_only=(sh -c 'ip link set lo up && exec "$@"' offline-room)
if unshare -n true 2>/dev/null; then
  cut=(unshare -n "${loopback_only[@]}")
elif unshare -rn true 2>/dev/null; then
  cut=(unshare -rn "${loopback_only[@]}")
else
  echo "error: cannot cut the network here: 'unshare -n' needs root, 'unshare -rn' needs user namespaces." >&2
  echo "Rehearse on a Linux machine where one of them works, or unplug the network and run 'bash course.sh test" >&2
  echo "notebooks/00_start_here.ipynb' in a fresh copy of the course that holds wheelhouse/." >&2
  exit 1
fi
mapfile -t pip_vars < <(env | grep -o '^PIP_[A-Z_]*' || true)
offline=("${cut[@]}" env "${pip_vars[@]/#/--unset=}" PIP_CONFIG_FILE=/dev/null HF_HUB_OFFLINE=1)

room=$(mktemp -d)
trap 'rm -rf "$room"' EXIT
git clone -q . "$room/course"  # the committed course, as a learner's copy has it
cp -r wheelhouse "$room/course/"
cd "$room/course"
echo "wheelhouse: $(du -sh wheelhouse | cut -f1), $(find wheelhouse -maxdepth 1 -type f | wc -l) package files," \
     "models: $(ls wheelhouse/models | tr '\n' ' ')"

echo "--- the network inside the room"
"${offline[@]}" python3 - <<'EOF'
import socket
with socket.create_server(("127.0.0.1", 0)) as server:  # loopback works, as on a laptop without Wi-Fi
    socket.create_connection(server.getsockname(), timeout=5).close()
try:
    socket.create_connection(("pypi.org", 443), timeout=5)
except OSError as err:
    print(f"pypi.org unreachable, as intended: {err}")
else:
    raise SystemExit("error: pypi.org is reachable; the network is not cut")
EOF

echo "--- set-up from wheelhouse/, offline"
start=$SECONDS
"${offline[@]}" bash course.sh setup
setup_seconds=$((SECONDS - start))

echo "--- notebook 00, offline (the README's test command on it)"
start=$SECONDS
"${offline[@]}" bash course.sh test -p no:cacheprovider notebooks/00_start_here.ipynb
echo "offline rehearsal passed: set-up ${setup_seconds} s, notebook 00 $((SECONDS - start)) s"
