"""The test suite's network guard: a Python process may connect to this machine only.

Installed in pytest itself by the repository's ``conftest.py``, and at start-up in every Python process that the
tests start (notebook kernels, benchmark children, the browser test's JupyterLab) through ``sitecustomize.py`` in
this folder, which ``conftest.py`` puts on ``PYTHONPATH``. Loopback and local (Unix) sockets stay open: kernels
talk to pytest over them. Any other connection, or a name lookup for another host, raises ``NetworkBlocked`` and
is appended to the file named by ``COURSE_NETWORK_LOG``, so that an attempt which a library swallows (``except
Exception: ...``) still fails the test session at the end.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlocked(ConnectionRefusedError):
    """An outbound connection was attempted while the test suite runs offline."""


def is_local(host) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in LOCAL_NAMES or host == socket.gethostname():
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified  # 0.0.0.0 / :: : bind anywhere, or connect to this machine


def _refuse(what: str, target) -> None:
    where = "".join(traceback.format_stack(limit=8)[:-2])
    log = os.environ.get("COURSE_NETWORK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"pid {os.getpid()}: {what} {target!r}\n{where}\n")
    raise NetworkBlocked(
        f"network access blocked: {what} {target!r}. The course must run offline; find what tried to reach the "
        "network in the traceback (a model or file that is not local?)."
    )


def install() -> None:
    """Patch `socket` so that only local connections and look-ups go through. Safe to call twice."""
    if getattr(socket, "_course_network_guard", False):
        return
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded(real):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
                _refuse("connect to", address)
            return real(self, address)

        return connect

    def getaddrinfo(host, *args, **kwargs):
        if not is_local(host):
            _refuse("look up", host)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = guarded(real_connect), guarded(real_connect_ex)
    socket.getaddrinfo = getaddrinfo
    socket._course_network_guard = True
