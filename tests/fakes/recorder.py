"""A stand-in callable that records how it was called (name, args, kwargs) and returns a fixed result."""

from __future__ import annotations


class Recorder:
    def __init__(self, name, calls, result=None):
        self.name, self.calls, self.result = name, calls, result

    def __call__(self, *args, **kwargs):
        self.calls.append((self.name, args, kwargs))
        return self.result if self.result is not None else (self.name, args, kwargs)
