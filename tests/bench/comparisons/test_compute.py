"""A missed compute target is explained from the run's own figures, the engine's in Node."""

from __future__ import annotations

from bench.comparisons import compute, restore
from bench.result import Measured
from bench.targets import evaluate


def test_a_missed_compute_target_is_explained_from_the_engine_in_node() -> None:
    results = {
        compute.KEY: Measured(
            {
                "fib25": {"sandboxWallMsP50": 30.0, "nativeMsP50": 20.0, "ratio": 1.5},
                "string_array": {"sandboxWallMsP50": 10.0, "nativeMsP50": 10.0, "ratio": 1.0},
            }
        ),
        restore.KEY: Measured({"engineInNodeMs": {"fib25": {"p50": 28.0}}}),
    }
    fib, strings = evaluate([compute.COMPARISON], results)
    assert (fib.met, strings.met) == (False, True)
    assert fib.why.startswith("The same wasm engine in Node's V8 takes 28.00 ms (1.40\u00d7 native 20.00 ms)")
    assert strings.why == ""
