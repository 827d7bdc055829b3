"""Civitai descriptions (HTML) as Markdown or plain text.

Model and version descriptions arrive as HTML written in Civitai's rich-text editor. CivitaiSharp
converts them with regexes (which mangle nested lists and confuse ``<span>`` with ``<s>``); we use a real
HTML parser, ``html-to-markdown`` (Rust), for both outputs. Scripts and styles are dropped with their
content, entities are decoded, line endings are ``\\n`` on every platform and links are kept (Markdown)
or reduced to their text (plain).

REST models convert their own descriptions (``civitai_kit.core.models.Model.description_markdown``), so
the conversion lives in core; it is public as ``civitai_kit.tools.html_to_markdown`` and
``civitai_kit.tools.html_to_plain_text``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

__all__ = ["html_to_markdown", "html_to_plain_text"]

_INSTALL_HINT = 'HTML conversion needs html-to-markdown>=3.21: pip install "civitai-kit[tools]"'
_BLANK_RUNS = re.compile(r"\n{3,}")


def _custom(output: str) -> dict[str, str]:
    return {"type": "custom", "output": output}


class _PlainTextVisitor:
    """Renders every Markdown construct as the words a reader sees (images as ``[alt]``, links as text).

    The converter's own ``plain`` output separates list items that contain inline markup with blank lines
    and ignores visitors, so plain text is Markdown conversion with the markup taken back out.
    """

    def visit_image(self, ctx: Any, src: str, alt: str, title: str) -> dict[str, str]:
        return _custom(f"[{alt.strip()}]" if alt.strip() else "")

    def visit_link(self, ctx: Any, href: str, text: str, title: str) -> dict[str, str]:
        return _custom(text)

    def visit_heading(self, ctx: Any, level: int, text: str, id: str) -> dict[str, str]:
        return _custom(f"{text.strip()}\n\n")

    def visit_code_block(self, ctx: Any, lang: str, code: str) -> dict[str, str]:
        return _custom(f"{code}\n\n")

    def visit_blockquote(self, ctx: Any, content: str, depth: int) -> dict[str, str]:
        return _custom(f"{content.strip()}\n\n")

    def visit_horizontal_rule(self, ctx: Any) -> dict[str, str]:
        return _custom("\n")

    def visit_table_row(self, ctx: Any, cells: list[str], is_header: bool) -> dict[str, str]:
        return _custom("\t".join(cell.strip() for cell in cells) + "\n")

    def _text(self, ctx: Any, text: str) -> dict[str, str]:
        return _custom(text)

    def _nothing(self, ctx: Any, src: str) -> dict[str, str]:
        return _custom("")

    visit_strong = visit_emphasis = visit_strikethrough = visit_underline = _text
    visit_mark = visit_subscript = visit_superscript = visit_code_inline = _text
    visit_iframe = visit_video = visit_audio = _nothing


@cache
def _converter() -> tuple[Any, Any, Any]:
    """``(convert, markdown options, plain options)``, imported on first use (an optional dependency)."""
    try:
        from html_to_markdown import ConversionOptions, convert
    except ImportError as exc:  # not installed, or the pre-3.x API (musllinux falls back to 1.x)
        raise ImportError(_INSTALL_HINT) from exc
    markdown = ConversionOptions(extract_metadata=False)
    plain = ConversionOptions(extract_metadata=False, bullets="*", autolinks=False)
    return convert, markdown, plain


def _prepare(html: str | None) -> str | None:
    if html is None or not html.strip():
        return None
    return html.replace("\r\n", "\n").replace("\r", "\n")


def html_to_markdown(html: str | None) -> str:
    """Convert a Civitai description to GitHub-flavoured Markdown; ``None`` or blank gives ``""``."""
    source = _prepare(html)
    if source is None:
        return ""
    convert, options, _ = _converter()
    return _BLANK_RUNS.sub("\n\n", convert(source, options).content).strip()


def html_to_plain_text(html: str | None) -> str:
    """Convert a Civitai description to readable plain text; ``None`` or blank gives ``""``.

    Links become their text, images ``[alt]``, list items ``* item``; trailing spaces are trimmed.
    """
    source = _prepare(html)
    if source is None:
        return ""
    convert, _, options = _converter()
    text = convert(source, options, visitor=_PlainTextVisitor()).content
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", lines).strip()
