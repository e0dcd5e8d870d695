"""The metering comparison builds two configs that differ only in `usage.record`, or says why not."""

from __future__ import annotations

import dataclasses

from bench.stacks import metering_variants
from infra.paths import ProjectPaths


def test_metering_variants_differ_only_in_the_switch(paths: ProjectPaths) -> None:
    variants, reason = metering_variants("staging", paths.stack_file("staging"))
    if not variants:
        # Until infra/stack/config.py reads the switch, the bench reports this instead of numbers.
        assert "usage.record" in reason
        return
    on, off = variants[True], variants[False]
    assert on.usage.record is True
    assert off.usage.record is False
    assert dataclasses.replace(on, usage=off.usage) == off
