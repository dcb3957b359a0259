"""Timing loops: calls per second over a fixed duration, and latency samples."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.servers import ROOT


@dataclass(frozen=True)
class Rate:
    calls: int
    seconds: float
    p50_ms: float

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    @classmethod
    def combined(cls, rates: list[Rate]) -> Rate:
        """All the calls over all the time; the median of the rounds' medians."""
        return cls(
            sum(each.calls for each in rates),
            sum(each.seconds for each in rates),
            statistics.median(each.p50_ms for each in rates),
        )


def rate(call: Callable[[], Any], seconds: float, warmup: int = 50) -> Rate:
    """Sequential calls for about `seconds` after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    samples: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    now = started
    while now < deadline:
        call()
        after = time.perf_counter()
        samples.append(after - now)
        now = after
    return Rate(len(samples), now - started, statistics.median(samples) * 1000)


def timed(call: Callable[..., Any], **kwargs: Any) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = call(**kwargs)
    return (time.perf_counter() - started) * 1000, result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def child_json(module: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Run `python -m module args` in its own process (its own memory and database connection)
    and read the JSON object its last line of output holds; its stderr's end when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
