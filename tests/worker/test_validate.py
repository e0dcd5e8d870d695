"""worker_src/validate.js: the Worker's one client-id rule is the stack config's."""

from __future__ import annotations

import re

from infra.paths import ProjectPaths
from infra.usage_config import CLIENT_ID_PATTERN


def test_the_client_id_rule_is_the_stack_configs(paths: ProjectPaths) -> None:
    source = (paths.worker_src / "validate.js").read_text(encoding="utf-8")
    literals = re.findall(r"^const CLIENT_ID_PATTERN = /(.+)/;$", source, re.MULTILINE)
    assert literals == [CLIENT_ID_PATTERN.pattern]


def test_no_other_worker_module_writes_a_client_id_rule(paths: ProjectPaths) -> None:
    rule = CLIENT_ID_PATTERN.pattern
    writers = sorted(
        path.relative_to(paths.worker_src).as_posix()
        for path in paths.worker_src.rglob("*.js")
        if rule in path.read_text(encoding="utf-8")
    )
    assert writers == ["validate.js"]
