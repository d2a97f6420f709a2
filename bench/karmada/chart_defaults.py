"""What the Karmada Helm chart of the pinned release runs with, for the flags our sizing profiles tune.

Read from the pinned Karmada module in the Go module cache (the one `make local` builds from): a flag the
chart's template writes (`charts/karmada/templates/<component>.yaml`) has the chart's value; a flag it does
not write has the binary's own default, read from the command's options (`cmd/<command>/app/options`).
Nothing is copied: the values are looked up at run time and printed in the report with where each came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Our component name (config karmada.component_settings) -> (chart template, directories that define its flags).
_SHARED = "pkg/sharedcli/ratelimiterflag"
SOURCES = {
    "controller_manager": ("karmada-controller-manager.yaml", ("cmd/controller-manager/app/options", _SHARED)),
    "scheduler": ("karmada-scheduler.yaml", ("cmd/scheduler/app/options", _SHARED)),
}
_GO_FLAG = re.compile(r"\.(?:Float32|Float64|Int|Int32|Int64|Bool|String|Duration)Var\(\s*&[\w.]+,"
                      r'\s*"(?P<name>[\w-]+)",\s*(?P<default>[^,]+),')


class ChartDefaultsError(Exception):
    """A tuned flag the pinned module does not define (renamed or removed upstream)."""


@dataclass(frozen=True)
class FlagDefault:
    """A flag's value under a chart install, and the file of the module it was read from."""

    value: str
    source: str  # "chart template" or the options file it came from


_GO_DURATION = re.compile(r"^(?P<n>\d+)\s*\*\s*time\.(?P<unit>Millisecond|Second|Minute|Hour)$")
_DURATION_UNITS = {"Millisecond": "ms", "Second": "s", "Minute": "m", "Hour": "h"}


def _go_value(literal: str) -> str:
    literal = literal.strip()
    if literal.endswith(".0") and literal[:-2].isdigit():  # 40.0 -> 40, as the command line is written
        return literal[:-2]
    duration = _GO_DURATION.match(literal)
    if duration:  # 5*time.Millisecond -> 5ms
        return duration["n"] + _DURATION_UNITS[duration["unit"]]
    return literal.strip('"')


def chart_defaults(module: Path, tuned: dict[str, list[str]]) -> dict[str, dict[str, FlagDefault]]:
    """For each component and each flag name in ``tuned``: the value a Helm chart install runs with."""
    out: dict[str, dict[str, FlagDefault]] = {}
    for component, flags in tuned.items():
        template_name, option_dirs = SOURCES[component]
        template = (module / "charts" / "karmada" / "templates" / template_name).read_text()
        go_defaults: dict[str, FlagDefault] = {}
        for source in sorted(p for d in option_dirs for p in (module / d).glob("*.go")):
            if source.name.endswith("_test.go"):
                continue
            for match in _GO_FLAG.finditer(source.read_text()):
                go_defaults.setdefault(match["name"], FlagDefault(_go_value(match["default"]),
                                                                  str(source.relative_to(module))))
        out[component] = {}
        for flag in flags:
            written = re.search(rf"- --{re.escape(flag)}=([^\s{{]+)\s*$", template, re.MULTILINE)
            if written:
                out[component][flag] = FlagDefault(written.group(1), f"charts/karmada/templates/{template_name}")
            elif flag in go_defaults:
                out[component][flag] = go_defaults[flag]
            else:
                raise ChartDefaultsError(
                    f"--{flag}: neither the chart's {template_name} nor {', '.join(option_dirs)} defines it")
    return out
