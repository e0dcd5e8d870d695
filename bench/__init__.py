"""`make bench`: measures the service against its own baselines, in one run, as ratios."""
