"""The documentation site builds strictly and every cross-reference in it is a link.

Docstrings are Markdown rendered by mkdocstrings: a Sphinx role (``:class:`Foo```) shows up as raw text, and an
autorefs reference whose target is not rendered stays as ``[Foo][]``. The site renders only part of ``src/``, so
the sources are checked too: no role anywhere, and no pointer at a file the repository does not have.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
ROLE = re.compile(r":(?:py:)?(?:class|meth|func|data|attr|mod|exc|obj|const|ref|doc|term):`")
UNRESOLVED = re.compile(r"\]\[(?:[A-Za-z_][\w.]*)?\]|<autoref\b|data-autorefs-identifier")
OUTSIDE_POINTER = re.compile(r"\bspec/[\w.-]+\.md|\bDESIGN\.md|\.\./shared/")


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _hits(pattern: re.Pattern[str], files: list[Path], root: Path = ROOT) -> list[str]:
    hits = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                around = line[max(0, match.start() - 60) : match.end() + 60].strip()
                hits.append(f"{path.relative_to(root)}:{number}: {around}")
    return hits


def test_no_sphinx_role_in_the_sources() -> None:
    assert _hits(ROLE, _sources()) == []


def test_no_pointer_at_a_file_outside_the_repository() -> None:
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    assert _hits(OUTSIDE_POINTER, [*_sources(), *pages]) == []


@pytest.mark.slow
def test_the_built_site_has_no_raw_role_and_no_unresolved_reference(tmp_path: Path) -> None:
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs the docs extra")
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    rendered_role = re.compile(ROLE.pattern.replace("`", "(?:`|<code>)"))
    assert _hits(rendered_role, [*pages, site / "search" / "search_index.json"], site) == []
    assert _hits(UNRESOLVED, pages, site) == []
