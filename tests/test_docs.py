"""The user's manual stays short and every pointer in it leads somewhere: each relative
link in README.md and docs/ resolves to a file or folder of the repository (an `#anchor`
to a heading of its target, by GitHub's slug rule), and each repository path named in
inline code exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.paths import ProjectPaths

README_MAX_BYTES = 15 * 1024

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.DOTALL | re.MULTILINE)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target) and ![alt](target); an optional "title" after the target is dropped.
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Only folders a fresh clone has: generated ones (build/, .state/, .venv/) are not checked,
# nor the generated folders .gitignore names inside these (bench/.work/).
SOURCE_FOLDERS = ("infra", "worker_src", "engine", "bench", "tests", "docs", ".github", ".ci")
REPO_PATH = re.compile(rf"^(?:{'|'.join(re.escape(folder) for folder in SOURCE_FOLDERS)})/[\w./*-]*$")


@dataclass(frozen=True)
class Broken:
    document: str
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.document}: {self.target} ({self.reason})"


def prose(markdown: str) -> str:
    """The text a reader sees as prose: fenced code and HTML comments removed."""
    return HTML_COMMENT.sub("", FENCE.sub("", markdown))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, punctuation dropped,
    spaces as hyphens (duplicates are numbered by `anchors`)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = HTML_COMMENT.sub("", text).replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for match in HEADING.finditer(prose(markdown)):
        slug = github_slug(match.group(1))
        seen = counts.get(slug, 0)
        counts[slug] = seen + 1
        found.add(slug if seen == 0 else f"{slug}-{seen}")
    return found


def broken_links(document: Path, root: Path) -> list[Broken]:
    name = document.relative_to(root).as_posix()
    text = document.read_text(encoding="utf-8")
    broken: list[Broken] = []
    for match in LINK.finditer(prose(text)):
        target = match.group(1)
        if SCHEME.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (document.parent / path_part).resolve() if path_part else document
        if not resolved.is_relative_to(root.resolve()):
            broken.append(Broken(name, target, "outside the repository"))
        elif not resolved.exists():
            broken.append(Broken(name, target, "no such file or folder"))
        elif (
            anchor
            and resolved.suffix == ".md"
            and anchor not in anchors(resolved.read_text(encoding="utf-8"))
        ):
            broken.append(Broken(name, target, f"no heading #{anchor} in {resolved.name}"))
    return broken


def ignored_folders(root: Path) -> tuple[str, ...]:
    """The generated folders .gitignore anchors to the root (`/bench/.work/`)."""
    gitignore = root / ".gitignore"
    lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    return tuple(line[1:] for line in lines if line.startswith("/") and line.endswith("/"))


def missing_code_paths(document: Path, root: Path) -> list[Broken]:
    """Repository paths in inline code (`infra/check/cases/`, `worker_src/*.js`) that do
    not exist; a path with a placeholder (`<stack>`, `…`) is not a path and is skipped."""
    name = document.relative_to(root).as_posix()
    generated = ignored_folders(root)
    missing: list[Broken] = []
    for match in CODE_SPAN.finditer(prose(document.read_text(encoding="utf-8"))):
        span = match.group(2).strip()
        if not REPO_PATH.match(span) or span.startswith(generated):
            continue
        found = any(root.glob(span.rstrip("/"))) if "*" in span else (root / span).exists()
        if found and span.endswith("/") and "*" not in span:
            found = (root / span).is_dir()
        if not found:
            missing.append(Broken(name, span, "named in inline code, not in the repository"))
    return missing


def documents(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


ROOT = ProjectPaths.of_checkout().root
DOCUMENTS = [path.relative_to(ROOT).as_posix() for path in documents(ROOT)]


def test_the_readme_is_the_short_manual() -> None:
    size = (ROOT / "README.md").stat().st_size
    assert size < README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_resolves(document: str) -> None:
    assert [str(link) for link in broken_links(ROOT / document, ROOT)] == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_repository_path_in_inline_code_exists(document: str) -> None:
    assert [str(path) for path in missing_code_paths(ROOT / document, ROOT)] == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / ".gitignore").write_text("/bench/.work/\n", encoding="utf-8")
    (tmp_path / "docs" / "page.md").write_text(
        "# A `page`: its title\n\n## Twice\n\n## Twice\n", encoding="utf-8"
    )
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Manual\n\n"
        "[ok](docs/page.md#a-page-its-title) [ok](docs/page.md#twice-1) [ok](#manual) [ok](docs/)\n"
        "[web](https://example.com) `infra/` `build/<stack>/` `bench/.work/`\n"
        "[gone](docs/missing.md) [bad anchor](docs/page.md#nowhere) [up](../outside.md)\n"
        "`infra/nothing.py` `worker_src/*.js`\n"
        "```sh\n[in code](nowhere.md) `infra/in-a-fence.py`\n```\n"
        "<!-- [hidden](nowhere.md) -->\n",
        encoding="utf-8",
    )
    assert [link.target for link in broken_links(readme, tmp_path)] == [
        "docs/missing.md",
        "docs/page.md#nowhere",
        "../outside.md",
    ]
    assert [path.target for path in missing_code_paths(readme, tmp_path)] == [
        "infra/nothing.py",
        "worker_src/*.js",
    ]
