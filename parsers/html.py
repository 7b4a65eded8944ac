"""HTML to readable text (selectolax/lexbor): scripts, styles and markup dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from parsers.html_guard import HtmlLimits, cap_html

_DROP = ["script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe"]
_BLOCKS = (
    "p,div,br,tr,li,ul,ol,table,h1,h2,h3,h4,h5,h6,blockquote,pre,hr,section,article,"
    "header,footer,dl,dt,dd,address"
)
_CELLS = "td,th"
_SPACES_RE = re.compile(r"[ \t\xa0\u200b]+")
_BLANKS_RE = re.compile(r"\n{3,}")
# Control characters carry no meaning in mail text and PostgreSQL refuses NUL.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class HtmlText:
    """Text read from HTML, and why the HTML was cut first ('' when it was whole)."""

    text: str
    truncated: str = ""


def html_to_text(html: str, limits: HtmlLimits | None = None) -> str:
    """Readable plain text of an HTML document, one block per line (within the caps)."""
    return read_html(html, limits).text


def read_html(html: str, limits: HtmlLimits | None = None) -> HtmlText:
    """Readable text of HTML cut to the caps first, so that the time stays linear."""
    capped = cap_html(html, limits)
    return HtmlText(_tree_text(capped.html), capped.truncated)


def _tree_text(html: str) -> str:
    tree = LexborHTMLParser(html)
    tree.strip_tags(_DROP)
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in tree.css(_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    for node in tree.css(_CELLS):
        node.insert_after("\t")
    return tidy_text(root.text(deep=True, separator="", strip=False))


def tidy_text(text: str) -> str:
    """Collapse runs of spaces inside lines and runs of blank lines."""
    text = _SPACES_RE.sub(" ", CONTROL_RE.sub("", text))
    lines = (line.strip() for line in text.splitlines())
    return _BLANKS_RE.sub("\n\n", "\n".join(lines)).strip()
