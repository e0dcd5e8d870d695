"""`.dev.vars`: created once with a random key, read as wrangler reads it."""

from __future__ import annotations

from pathlib import Path

from infra.local.devvars import ensure_dev_vars, read_dev_vars
from infra.stack.bindings import API_KEY


def test_dev_vars_are_created_once_with_a_random_key(tmp_path: Path) -> None:
    dev_vars = tmp_path / ".dev.vars"
    assert ensure_dev_vars(dev_vars) is True
    first = read_dev_vars(dev_vars)[API_KEY]
    assert len(first) >= 32
    assert ensure_dev_vars(dev_vars) is False
    assert read_dev_vars(dev_vars)[API_KEY] == first
    assert dev_vars.stat().st_mode & 0o077 == 0


def test_dev_vars_reader_accepts_comments_and_quotes(tmp_path: Path) -> None:
    dev_vars = tmp_path / ".dev.vars"
    dev_vars.write_text('# local\nAPI_KEY="abc=def"\n\nOTHER = x\n')
    assert read_dev_vars(dev_vars) == {"API_KEY": "abc=def", "OTHER": "x"}
