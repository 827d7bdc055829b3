"""The code blocks of the README and ``docs/``, and how each is run against the sandbox.

Rules a page follows (they are what a reader can rely on, so the test keeps them true):

- A page's ``python`` blocks run in order in one fresh interpreter, sharing their names like one session;
  top-level ``await`` is allowed. A block that only shows a shape (a class a reader writes, a fragment) says so
  with ``<!-- snippet: not run — reason -->`` on the line before its fence.
- In ``bash``/``sh``/``console`` blocks every line that starts with ``civitai`` is run (a trailing ``\\``
  continues it) by the installed ``civitai`` command, and must exit 0 unless the block is marked
  ``<!-- snippet: exits N — reason -->``; a prompt reads the sandbox's token. Other lines (``pip``, ``make``,
  ``export``…) set a machine up, and ``civitai sandbox`` serves until stopped (the tests run one already): they
  are not run. ``<placeholders>`` in angle brackets are filled in with the sandbox's token.
- Everything runs in a scratch folder (also ``$HOME``) holding ``model.safetensors`` (a file the sandbox's
  catalogue knows), ``models.txt`` (two version ids, one per line), and ``~/models/`` and
  ``~/ComfyUI/models/loras/`` with two known files (one of them
  ``my-lora.safetensors``) and one unknown each, with the sandbox's URL and token in
  the environment, as [`sandbox_environment`][civitai_kit.testing.sandbox.sandbox_environment] sets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
DIRECTIVE = re.compile(r"<!--\s*snippet:\s*(?P<what>not run|exits\s+(?P<code>\d+))\s*(?:[—-]+\s*(?P<why>.*?))?\s*-->")
PLACEHOLDER = re.compile(r"<[A-Za-z][\w-]*>")
PYTHON = {"python", "py", "pycon"}
SHELL = {"bash", "sh", "shell", "console"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    directive: str | None
    exit_code: int
    reason: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.directive != "not run"


def pages() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.relative_to(ROOT / "docs").parts)
    return [ROOT / "README.md", *docs]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page`` with the directive written on the line before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening["lang"]:
            index += 1
            continue
        indent = len(opening["indent"])
        end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
        code = "\n".join(line[indent:] for line in lines[index + 1 : end])
        before = lines[index - 1] if index else ""
        directive = DIRECTIVE.search(before)
        found.append(
            Block(
                page=page,
                line=index + 1,
                lang=opening["lang"].lower(),
                code=code,
                directive=None if directive is None else ("not run" if directive["what"] == "not run" else "exits"),
                exit_code=int(directive["code"]) if directive is not None and directive["code"] else 0,
                reason=directive["why"] if directive is not None else None,
            )
        )
        index = end + 1
    return found


def commands(block: Block, token: str) -> list[str]:
    """The ``civitai`` command lines of a shell block, continuations joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in block.code.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if pending:
            line = f"{pending} {line}"
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        joined.append(line)
    chosen = []
    for line in joined:
        if (not line.startswith("civitai ") and line != "civitai") or line.startswith("civitai sandbox"):
            continue
        chosen.append(PLACEHOLDER.sub(token, _without_comment(line)).strip())
    return chosen


def _without_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    quote: str | None = None
    for position, character in enumerate(line):
        if character in "\"'" and (quote is None or quote == character):
            quote = None if quote == character else character
        elif character == "#" and quote is None and (position == 0 or line[position - 1].isspace()):
            return line[:position]
    return line
