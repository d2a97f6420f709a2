"""Rendered commands read as flags: what both pure-builder meaning tests (etcd, apiserver) start from."""

from __future__ import annotations


def command_flags(command: list[str], binary: str) -> dict[str, str]:
    """``--flag=value`` arguments after ``binary`` as a dict; each flag once, each with a value."""
    assert command[0] == binary
    out: dict[str, str] = {}
    for arg in command[1:]:
        name, sep, value = arg.partition("=")
        assert sep, f"{arg!r} is not --flag=value"
        assert name not in out, f"{name} given twice"
        out[name] = value
    return out
