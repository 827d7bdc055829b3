"""HTML → Markdown / plain text: every input/expected pair of CivitaiSharp's HtmlParser tests
(spec/civitaisharp.md §4.6), plus the cases where its regexes are buggy and we do the intended thing.
"""

from __future__ import annotations

import sys

import pytest

from civitai_kit.core import html as html_module
from civitai_kit.core.html import html_to_markdown, html_to_plain_text

COMPLEX = """<h1>Title</h1>
<p>This is a <strong>bold</strong> and <em>italic</em> paragraph.</p>
<ul>
    <li>Item 1</li>
    <li>Item 2</li>
</ul>
<p>Check out <a href="https://example.com">this link</a>.</p>"""

GUIDE = """<h2>Usage</h2>
<p>This model works best with the following settings:</p>
<ul>
  <li>CFG Scale: <strong>7-8</strong></li>
  <li>Steps: <em>20-30</em></li>
  <li>Sampler: DPM++ 2M Karras</li>
</ul>
<p>Download from <a href="https://civitai.com">Civitai</a>.</p>"""

MARKDOWN_PAIRS = [
    ("<h1>Title</h1>", "# Title"),
    ("<h2>Subtitle</h2>", "## Subtitle"),
    ("<h3>Section</h3>", "### Section"),
    ("<h4>Subsection</h4>", "#### Subsection"),
    ("<h5>Minor</h5>", "##### Minor"),
    ("<h6>Smallest</h6>", "###### Smallest"),
    ("<p>This is a paragraph.</p>", "This is a paragraph."),
    ("<strong>bold text</strong>", "**bold text**"),
    ("<b>bold text</b>", "**bold text**"),
    ("<em>italic text</em>", "*italic text*"),
    ("<i>italic text</i>", "*italic text*"),
    ("<code>inline code</code>", "`inline code`"),
    ("<pre><code>code block</code></pre>", "```\ncode block\n```"),
    ('<a href="https://example.com">Example</a>', "[Example](https://example.com)"),
    (
        '<img src="https://example.com/image.png" alt="Example Image" />',
        "![Example Image](https://example.com/image.png)",
    ),
    ("<ul><li>Item 1</li><li>Item 2</li></ul>", "- Item 1\n- Item 2"),
    ("<ol><li>First</li><li>Second</li></ol>", "1. First\n2. Second"),
    ("<blockquote>Quote text</blockquote>", "> Quote text"),
    ("<hr/>", "---"),
    ("<s>deleted</s>", "~~deleted~~"),
    ("<del>removed</del>", "~~removed~~"),
    ("&amp; &lt; &gt; &quot; &#39;", "& < > \" '"),
    (
        COMPLEX,
        "# Title\n\nThis is a **bold** and *italic* paragraph.\n\n- Item 1\n- Item 2\n\nCheck out [this link](https://example.com).",
    ),
    ("<p>Test <strong>description</strong></p>", "Test **description**"),  # model extension
    ("<h2>Version Notes</h2><p>Changes in this version.</p>", "## Version Notes\n\nChanges in this version."),
    (
        GUIDE,
        "## Usage\n\nThis model works best with the following settings:\n\n- CFG Scale: **7-8**\n- Steps: *20-30*\n"
        "- Sampler: DPM++ 2M Karras\n\nDownload from [Civitai](https://civitai.com).",
    ),
]

PLAIN_PAIRS = [
    ("<p>Hello <strong>world</strong>!</p>", "Hello world!"),
    ('<a href="https://example.com">Click here</a>', "Click here"),
    ('<img src="https://example.com/img.png" alt="My Image" />', "[My Image]"),
    ("<ul><li>Item 1</li><li>Item 2</li></ul>", "* Item 1\n* Item 2"),
    ("<p>Test <strong>description</strong></p>", "Test description"),  # model extension
    ("<p>Version <em>notes</em> here.</p>", "Version notes here."),  # version extension
    (
        GUIDE,
        "Usage\n\nThis model works best with the following settings:\n\n* CFG Scale: 7-8\n* Steps: 20-30\n"
        "* Sampler: DPM++ 2M Karras\n\nDownload from Civitai.",
    ),
]


@pytest.mark.parametrize(("html", "expected"), MARKDOWN_PAIRS, ids=[p[0][:40] for p in MARKDOWN_PAIRS])
def test_markdown_pairs(html: str, expected: str) -> None:
    assert html_to_markdown(html) == expected


@pytest.mark.parametrize(("html", "expected"), PLAIN_PAIRS, ids=[p[0][:40] for p in PLAIN_PAIRS])
def test_plain_text_pairs(html: str, expected: str) -> None:
    assert html_to_plain_text(html) == expected


def test_plain_text_drops_the_url() -> None:
    assert "example.com" not in html_to_plain_text('<a href="https://example.com">Click here</a>')


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t"])
def test_blank_input_gives_empty_string(blank: str | None) -> None:
    assert html_to_markdown(blank) == ""
    assert html_to_plain_text(blank) == ""


def test_br_is_a_markdown_hard_break() -> None:
    # Deviation: CivitaiSharp emits "Line 1\nLine 2", which Markdown renders as ONE line; we emit a real
    # hard break ("  \n"). Same lines, correct rendering.
    markdown = html_to_markdown("Line 1<br/>Line 2")
    assert [line.rstrip() for line in markdown.split("\n")] == ["Line 1", "Line 2"]
    assert html_to_plain_text("Line 1<br/>Line 2") == "Line 1\nLine 2"


@pytest.mark.parametrize(
    ("html", "markdown", "plain"),
    [
        pytest.param(
            "<p>a</p><script>alert('x')</script><style>p { color: red }</style><p>b</p>",
            "a\n\nb",
            "a\n\nb",
            id="script-and-style-dropped-with-content",
        ),
        pytest.param("<p>one\r\ntwo\rthree</p>", "one\ntwo\nthree", "one\ntwo\nthree", id="crlf-becomes-lf"),
        # CivitaiSharp bug: <s[^>]*> also matches <span>, giving "~~a b~~"
        pytest.param("<span>a</span> <s>b</s>", "a ~~b~~", "a b", id="span-is-not-strikethrough"),
        # CivitaiSharp bug: nested lists come out as "- ab\n\nc"
        pytest.param(
            "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  * b\n- c", "* a\n  * b\n* c", id="nested-list"
        ),
        # CivitaiSharp bug: <br> with attributes is lost ("ab")
        pytest.param('<p>a<br class="x">b</p>', "a  \nb", "a\nb", id="br-with-attributes"),
        # entities: escaped markup stays text; named and numeric references decode properly (CivitaiSharp
        # maps &mdash; to "-" and leaves &eacute; undecoded)
        pytest.param(
            "<p>&lt;b&gt; caf&eacute; &mdash; &#x27;q&#x27; &#128512; &hellip;</p>",
            "<b> café — 'q' 😀 …",
            "<b> café — 'q' 😀 …",
            id="entities",
        ),
        pytest.param('<a href="u"><img src="i.png" alt="A"></a>', "[![A](i.png)](u)", "[A]", id="image-in-link"),
        pytest.param('<p>x <img src="i.png"> y</p>', "x ![](i.png) y", "x y", id="image-without-alt"),
        pytest.param(
            "<table><tr><th>Steps</th><th>CFG</th></tr><tr><td>30</td><td>7</td></tr></table>",
            "| Steps | CFG |\n| ----- | --- |\n| 30    | 7   |",
            "Steps\tCFG\n30\t7",
            id="table",
        ),
        pytest.param(
            '<p>Watch</p><iframe src="https://www.youtube.com/embed/x"></iframe>',
            "Watch\n\n[iframe](https://www.youtube.com/embed/x)",
            "Watch",
            id="iframe-link-kept-in-markdown-only",
        ),
        pytest.param("<p>a</p>\n\n\n\n<p>b</p>", "a\n\nb", "a\n\nb", id="blank-runs-collapse"),
    ],
)
def test_behaviour_where_civitaisharp_is_buggy(html: str, markdown: str, plain: str) -> None:
    assert html_to_markdown(html) == markdown
    assert html_to_plain_text(html) == plain


def test_output_never_contains_carriage_returns() -> None:
    html = "<h1>T</h1>\r\n<ul>\r\n<li>a</li>\r\n<li>b</li>\r\n</ul>\r\n<blockquote>q\r\nr</blockquote>"
    assert "\r" not in html_to_markdown(html)
    assert "\r" not in html_to_plain_text(html)


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    html_module._converter.cache_clear()
    monkeypatch.setitem(sys.modules, "html_to_markdown", None)  # what an uninstalled package looks like
    try:
        with pytest.raises(ImportError, match=r"civitai-kit\[tools\]"):
            html_to_markdown("<p>x</p>")
    finally:
        html_module._converter.cache_clear()
