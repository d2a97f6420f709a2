"""The longest gap of a cron schedule: what the backup alarm doubles."""

from __future__ import annotations

import pytest

from observability.schedule import max_interval_seconds

HOUR = 3600


@pytest.mark.parametrize(("schedule", "hours"), [
    ("0 */6 * * *", 6), ("@daily", 24), ("@hourly", 1), ("30 2,14 * * *", 12), ("0 3 * * 1-5", 72),
    ("0 0 * * sun", 168), ("@weekly", 168), ("0 0 1 * *", 31 * 24), ("0 0 1,15 * *", 17 * 24),
    ("0 12 * * 0,7", 168), ("0 0 13 * 5", 7 * 24),
])
def test_longest_gap(schedule, hours):
    assert max_interval_seconds(schedule) == hours * HOUR


def test_minutes():
    assert max_interval_seconds("*/15 * * * *") == 15 * 60
    assert max_interval_seconds("0,50 * * * *") == 50 * 60


@pytest.mark.parametrize("schedule", ["0 */6 * *", "61 * * * *", "0 0 30 2 *"])
def test_bad_schedules_are_refused(schedule):
    with pytest.raises(ValueError):
        max_interval_seconds(schedule)
