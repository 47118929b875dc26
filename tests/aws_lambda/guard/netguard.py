"""A network guard for a Python process: every socket connection and name lookup must stay on loopback.
Installed as an audit hook (PEP 578), so it sees every library's sockets and cannot be removed; a refused
attempt raises PermissionError in the caller and is appended to a report file, so a library that swallows
the error is still caught by the test that reads the report. Standard library only: the packaged
function's process loads it before awslambdaric (tests/aws_lambda)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_LOOKUPS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr")
_state: dict[str, Any] = {"report": None, "active": False}


def _is_loopback_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host is None:
        return True  # getaddrinfo(None, port): the local wildcard
    text = str(host).split("%", 1)[0]
    if text.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False  # a name: resolving it is already a query that leaves the machine


def _refuse(what: str) -> None:
    line = f"refused: {what}\n"
    if _state["report"]:
        with open(_state["report"], "a") as report:
            report.write(line)
    raise PermissionError(f"network guard: {what} (only loopback is allowed)")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _state["active"]:
        return
    if event in ("socket.connect", "socket.sendto"):
        sock, address = args[0], args[-1]
        internet = getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6)
        if internet and not _is_loopback_host(address[0]):
            _refuse(f"{event} to {address[0]}:{address[1]}")
    elif event in _LOOKUPS and not _is_loopback_host(args[0]):
        _refuse(f"{event} {args[0]}")


def install(report: str | None = None) -> None:
    _state["report"] = report
    if not _state.get("installed"):
        sys.addaudithook(_hook)
        _state["installed"] = True
    _state["active"] = True


def suspend() -> None:
    """Off until install() again (the hook itself stays: audit hooks cannot be removed)."""
    _state["active"] = False
