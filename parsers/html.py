"""HTML to readable text (selectolax/lexbor): scripts, styles and markup dropped."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

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


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML document, one block per line."""
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
