"""One module per comparison, each exporting its `Comparison` (bench/comparison.py);
bench/registry.py lists them in the order they run."""
