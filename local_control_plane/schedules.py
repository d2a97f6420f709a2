"""EventBridge Scheduler for the local run: our scheduled Lambda handlers, invoked at their rate.

``python -m local_control_plane schedules`` (a daemon ``make local`` starts and ``make local-down`` stops) finds
every ``AWS::Scheduler::Schedule`` of the synthesized stacks whose target is one of our handlers
(``functions.<package>.handler``), and calls that handler with the target's Input at the schedule's rate, with the
same local edges as the custom resources' handlers (handlers.py: the function's role becomes the identity its
EKS access entry gives it). One invocation of a schedule at a time, as the function's reserved concurrency of 1
allows; a run still going when the next is due makes that one wait. Output: logs/schedules.log.
"""

from __future__ import annotations

import importlib
import logging
import re
import signal
import threading
import time
from typing import Any

from .cloudformation import ScheduledInvocation
from .environment import Environment
from .handlers import Deployer, LambdaContext
from .layout import Layout

RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def period_seconds(expression: str) -> float | None:
    """Seconds between invocations of a ``rate(...)`` expression; None for cron and at expressions."""
    found = RATE.fullmatch(expression.strip())
    if found is None:
        return None
    return int(found.group(1)) * UNIT_SECONDS[found.group(2).rstrip("s")]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


class Runner:
    """Invokes each schedule's handler at its rate until stopped."""

    def __init__(self, env: Environment) -> None:
        self.deployer = Deployer(env, log)
        assembly = self.deployer.assembly
        self.schedules = [s for stack in assembly.stacks_in_order() for s in assembly.schedules(stack)
                          if s.handler.startswith("functions.")]
        self.stopping = threading.Event()

    def invoke(self, schedule: ScheduledInvocation) -> None:
        module = importlib.import_module(schedule.handler.rpartition(".")[0])
        try:
            runtime = self.deployer.runtime(module, schedule)
            result: Any = module.handle(dict(schedule.properties), LambdaContext(), runtime)
            log(f"{schedule.stack}/{schedule.logical_id}: {result}")
        except Exception as err:  # noqa: BLE001 - a failed invocation is the Lambda's Errors metric, not a crash
            log(f"{schedule.stack}/{schedule.logical_id}: error: {type(err).__name__}: {err}")

    def run(self) -> None:
        due: dict[str, float] = {}
        running: dict[str, threading.Thread] = {}
        for schedule in self.schedules:
            period = period_seconds(schedule.expression)
            if period is None:
                log(f"{schedule.stack}/{schedule.logical_id}: {schedule.expression} is not a rate: not run here")
                continue
            due[schedule.logical_id] = time.monotonic()
            log(f"{schedule.stack}/{schedule.logical_id}: {schedule.handler} every {period:.0f} s")
        while not self.stopping.is_set():
            for schedule in self.schedules:
                key = schedule.logical_id
                if key not in due or time.monotonic() < due[key]:
                    continue
                if key in running and running[key].is_alive():
                    continue  # reserved concurrency 1: the next invocation waits for this one
                running[key] = threading.Thread(target=self.invoke, args=(schedule,), daemon=True)
                running[key].start()
                due[key] = max(due[key] + (period_seconds(schedule.expression) or 0), time.monotonic())
            self.stopping.wait(1.0)


def serve(layout: Layout) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    runner = Runner(Environment(layout))
    signal.signal(signal.SIGTERM, lambda *_: runner.stopping.set())
    runner.run()
