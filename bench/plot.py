"""bench/latency.png: the latency distribution of an execution against the no-op route."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only, no display

import matplotlib.pyplot as plt


def _cdf(samples: list[float]) -> tuple[list[float], list[float]]:
    ordered = sorted(samples)
    count = len(ordered)
    return ordered, [(index + 1) / count * 100 for index in range(count)]


def latency_plot(series: dict[str, list[float]], target: Path, title: str) -> Path:
    """One cumulative distribution line per series (milliseconds, log scale)."""
    figure, axes = plt.subplots(figsize=(8, 4.8), dpi=120)
    for label, samples in series.items():
        if samples:
            xs, ys = _cdf(samples)
            axes.plot(xs, ys, label=f"{label} (n={len(samples)})", linewidth=1.6)
    axes.set_xscale("log")
    axes.set_xlabel("latency per request, ms (log scale)")
    axes.set_ylabel("requests answered within, %")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.axhline(50, color="grey", linewidth=0.6, linestyle=":")
    axes.axhline(99, color="grey", linewidth=0.6, linestyle=":")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)
    return target
