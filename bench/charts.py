"""The report's charts, drawn from the run's own figures with matplotlib (PNG files).

- requests/s and p99 against connections, for creates and for GET by id: ours beside the
  ceiling and the reference servers of the same run;
- create throughput against the size of the store it writes to.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine
import matplotlib.pyplot as plt


class Measured(Protocol):
    rps: list[float]
    p99: list[float]


Points = Mapping[tuple[str, int], Measured]


def _series(points: Points, name: str, value: str) -> tuple[list[int], list[float]]:
    found = sorted(
        (connections, statistics.median(getattr(point, value)))
        for (each, connections), point in points.items()
        if each == name and getattr(point, value)
    )
    return [c for c, _ in found], [v for _, v in found]


def against_connections(points: Points, names: Iterable[str], title: str, out: Path) -> Path:
    """Two panels: requests/s and p99 (ms) at each connection count, one line per server."""
    figure, (speed, tail) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in names:
        xs, rps = _series(points, name, "rps")
        if not xs:
            continue
        style = "--" if name == "ceiling" else "-"
        speed.plot(xs, rps, style, marker="o", label=name)
        xs, p99 = _series(points, name, "p99")
        tail.plot(xs, p99, style, marker="o", label=name)
    for axes, label in ((speed, "requests/s"), (tail, "p99 latency, ms")):
        axes.set_xscale("log", base=2)
        axes.set_xlabel("connections")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    tail.set_yscale("log")
    speed.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def against_store_size(sizes: Mapping[int, Mapping[int, float]], out: Path) -> Path:
    """Creates/s (one line per connection count) against the customers already stored."""
    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    by_connections: dict[int, list[tuple[int, float]]] = {}
    for rows, rates in sizes.items():
        for connections, rps in rates.items():
            by_connections.setdefault(connections, []).append((max(rows, 1), rps))
    for connections, found in sorted(by_connections.items()):
        found.sort()
        axes.plot([r for r, _ in found], [v for _, v in found], marker="o",
                  label=f"{connections} connections")  # fmt: skip
    axes.set_xscale("log")
    axes.set_xlabel("customers already in the store (0 drawn at 1)")
    axes.set_ylabel("creates/s")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title("Create throughput against store size")
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out
