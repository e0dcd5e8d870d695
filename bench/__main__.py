"""`python -m bench`: runs every comparison and writes bench/results.{json,md} and bench/latency.png."""

from __future__ import annotations

import sys

from bench.run import main

sys.exit(main())
