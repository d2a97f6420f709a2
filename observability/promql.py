"""Small typed PromQL builders: every expression knows the metric names it reads.

``series("cluster_ready_state", job=Eq("karmada-controller-manager"))`` only accepts a name from
``observability.metrics.CATALOG`` (a typo is an error at import time, not an empty panel), and the
operators and functions below carry the names along, so ``expr.metrics`` is exactly what a query
needs the scraped binaries to expose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from observability.metrics import CATALOG


@dataclass(frozen=True)
class Matcher:
    """One label matcher: ``op`` is ``=``, ``!=``, ``=~`` or ``!~``."""

    op: str
    value: str

    def render(self, label: str) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{label}{self.op}"{escaped}"'


def eq(value: str) -> Matcher:
    return Matcher("=", value)


def ne(value: str) -> Matcher:
    return Matcher("!=", value)


def regex(value: str) -> Matcher:
    return Matcher("=~", value)


def not_regex(value: str) -> Matcher:
    return Matcher("!~", value)


def le(bound: float) -> Matcher:
    """Match a histogram bucket's ``le`` however the pipeline spelled the bound.

    Go's Prometheus client writes Go's shortest ``%g`` (``le="2.592e+06"``, ``le="1"``; newer clients
    ``le="1.0"``); Prometheus 3 and some collectors normalise the value. One regex accepts every
    spelling, so a rule survives a collector change.
    """
    go = go_float(bound)
    spellings = {go, repr(float(bound))}
    if "e" not in go and "." not in go:
        spellings.add(f"{go}.0")
    if float(bound).is_integer():
        spellings.add(str(int(bound)))
    return regex("|".join(sorted(re.escape(s) for s in spellings)))


def go_float(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 64)``: Go's shortest digits, an exponent below 1e-4 or from 1e6 on."""
    if value == 0:
        return "0"
    number = Decimal(repr(float(value))).normalize()
    sign, digit_tuple, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + exponent  # where the decimal point sits after the first digit's place
    power = point - 1
    # strconv/ftoa.go: "if precision was the shortest possible, use precision 6 for this decision".
    limit = 6
    prefix = "-" if sign else ""
    if power < -4 or power >= limit:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'+' if power >= 0 else '-'}{abs(power):02d}"
    return f"{prefix}{format(abs(number), 'f')}"


@dataclass(frozen=True)
class Expr:
    """A PromQL expression and the metric names it reads."""

    text: str
    metrics: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.text

    def _binary(self, op: str, other: Expr | float, modifier: str = "") -> Expr:
        right = other if isinstance(other, Expr) else scalar(other)
        glue = f" {op} {modifier} " if modifier else f" {op} "
        return Expr(f"({self.text}){glue}({right.text})", self.metrics | right.metrics)

    def __add__(self, other: Expr | float) -> Expr:
        return self._binary("+", other)

    def __sub__(self, other: Expr | float) -> Expr:
        return self._binary("-", other)

    def __mul__(self, other: Expr | float) -> Expr:
        return self._binary("*", other)

    def __truediv__(self, other: Expr | float) -> Expr:
        return self._binary("/", other)

    def gt(self, other: Expr | float) -> Expr:
        return self._binary(">", other)

    def lt(self, other: Expr | float) -> Expr:
        return self._binary("<", other)

    def eq(self, other: Expr | float) -> Expr:
        return self._binary("==", other)

    def and_(self, other: Expr) -> Expr:
        return self._binary("and", other)

    def or_(self, other: Expr) -> Expr:
        return self._binary("or", other)

    def unless(self, other: Expr) -> Expr:
        return self._binary("unless", other)


def scalar(value: float) -> Expr:
    return Expr(_number(value))


def _number(value: float) -> str:
    # 12 significant digits: 6 * 0.001 is 0.006, not 0.006000000000000001.
    return str(int(value)) if float(value).is_integer() else format(float(value), ".12g")


def series(metric: str, **labels: Matcher) -> Expr:
    """An instant vector selector of a catalogued metric (``_bucket``, ``_count`` and ``_sum`` included)."""
    if metric not in CATALOG:
        raise KeyError(f"{metric} is not in observability.metrics.CATALOG; add it there with its source")
    inner = ", ".join(m.render(label) for label, m in sorted(labels.items()))
    return Expr(f"{metric}{{{inner}}}" if inner else metric, frozenset({metric}))


def _call(name: str, *args: str, metrics: frozenset[str]) -> Expr:
    return Expr(f"{name}({', '.join(args)})", metrics)


def rate(vector: Expr, window: str) -> Expr:
    return _call("rate", f"{vector.text}[{window}]", metrics=vector.metrics)


def increase(vector: Expr, window: str) -> Expr:
    return _call("increase", f"{vector.text}[{window}]", metrics=vector.metrics)


def max_over_time(vector: Expr, window: str) -> Expr:
    return _call("max_over_time", f"{vector.text}[{window}]", metrics=vector.metrics)


def time() -> Expr:
    return Expr("time()")


def _aggregate(op: str, vector: Expr, by: tuple[str, ...]) -> Expr:
    grouping = f" by ({', '.join(by)})" if by else ""
    return Expr(f"{op}{grouping} ({vector.text})", vector.metrics)


def sum_(vector: Expr, *by: str) -> Expr:
    return _aggregate("sum", vector, by)


def max_(vector: Expr, *by: str) -> Expr:
    return _aggregate("max", vector, by)


def min_(vector: Expr, *by: str) -> Expr:
    return _aggregate("min", vector, by)


def count(vector: Expr, *by: str) -> Expr:
    return _aggregate("count", vector, by)


def histogram_quantile(quantile: float, buckets: Expr) -> Expr:
    return _call("histogram_quantile", _number(quantile), buckets.text, metrics=buckets.metrics)
