"""The cells of bench/results.md: one way to show a time, a ratio, a rate, a size."""

from __future__ import annotations

from bench.result import NotMeasured

TIMES = "\u00d7"
ARROW = "\u2192"
KIB = 1024
MIB = 1024 * KIB


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}{TIMES}"


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ms"


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} req/s"


def size(bytes_: float) -> str:
    if bytes_ >= MIB:
        return f"{bytes_ / MIB:.2f} MiB"
    return f"{bytes_ / KIB:.1f} KiB"


def not_measured_row(label: str, failed: NotMeasured, cells: int = 4) -> str:
    """A table row saying why `label` has no numbers; `cells` is the table's width."""
    return row(label, f"not measured: {failed.reason}", *[""] * (cells - 2))
