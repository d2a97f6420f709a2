"""The longest gap between two runs of a five-field cron schedule (the backup alarm waits twice that)."""

from __future__ import annotations

import datetime

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_NAMES = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))} | {
    name: i + 1 for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
# Two years from a fixed day: every monthly and yearly pattern repeats within it, leap day included.
_START = datetime.date(2027, 1, 1)
_DAYS = 2 * 366


def _value(text: str) -> int:
    return _NAMES[text.lower()] if text.lower() in _NAMES else int(text)


def _field(text: str, low: int, high: int) -> tuple[set[int], bool]:
    """The values a field allows, and whether it is unrestricted (``*`` or ``?``)."""
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            first_text, last_text = base.split("-", 1)
            first, last = _value(first_text), _value(last_text)
        else:
            first = _value(base)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or step < 1:
            raise ValueError(f"cron field {text!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return values, text in ("*", "?")


def max_interval_seconds(schedule: str) -> int:
    """The longest time between two consecutive runs of ``schedule`` (UTC), in seconds."""
    fields = _MACROS.get(schedule.strip(), schedule).split()
    if len(fields) != 5:
        raise ValueError(f"not a five-field cron schedule: {schedule!r}")
    (minutes, _), (hours, _), (days, any_day), (months, _), (weekdays, any_weekday) = (
        _field(text, low, high) for text, (low, high) in zip(fields, _RANGES, strict=True))
    weekdays = {d % 7 for d in weekdays}
    runs: list[datetime.datetime] = []
    for offset in range(_DAYS):
        day = _START + datetime.timedelta(days=offset)
        in_month = day.day in days
        on_weekday = day.isoweekday() % 7 in weekdays
        # cron: with both day fields restricted, either one matching is enough.
        matches = (in_month or on_weekday) if not (any_day or any_weekday) else (in_month and on_weekday)
        if day.month in months and matches:
            midnight = datetime.datetime.combine(day, datetime.time())
            runs += [midnight + datetime.timedelta(hours=h, minutes=m) for h in sorted(hours) for m in sorted(minutes)]
    if len(runs) < 2:
        raise ValueError(f"cron schedule {schedule!r} runs less than twice in two years")
    return int(max((b - a).total_seconds() for a, b in zip(runs, runs[1:], strict=False)))
