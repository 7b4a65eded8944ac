"""Showing a mail safely: entities highlighted in the text, HTML sanitised for a sandbox."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import nh3
from markupsafe import Markup, escape

from models import Entity
from parsers import ParseOptions
from parsers.html_guard import cap_html
from parsers.message import mime_depth
from parsers.mime_guard import cut_mime_nesting

_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "div",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
_ATTRIBUTES = {
    "*": {"align", "colspan", "rowspan", "style", "title"},
    "a": {"href"},
    "img": {"alt", "width", "height", "src"},
}
# Only properties that cannot name a URL (no background, no list-style images, no fonts).
_STYLES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "text-align",
    "text-decoration", "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "border",
    "border-collapse", "width", "height", "vertical-align", "white-space",
}  # fmt: skip
# Remote images would tell the sender the mail was read (and leak the reader's address):
# only inline data images are kept. The frame's CSP blocks anything else that slips through.
_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _keep(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith("data:image/") else None
    if attribute == "style" and any(bad in value.lower() for bad in ("url(", "image", "\\")):
        return None
    return value


def html_part(raw: bytes) -> str | None:
    """The mail's text/html body, if it has one (from the nesting the parser also reads)."""
    raw, _ = cut_mime_nesting(raw, mime_depth(ParseOptions()))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        return None
    try:
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None
    except (LookupError, KeyError, ValueError, AttributeError):
        return None


def sanitised_frame(html: str) -> str:
    """A whole document for an iframe's srcdoc: no script, no handler, no remote load.

    The HTML is cut to the parser's caps first: html5ever's cost grows with depth x tags."""
    capped = cap_html(html)
    clean = nh3.clean(
        capped.html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_keep,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        filter_style_properties=_STYLES,
    )
    if capped.truncated:
        note = escape(f"The rest of this mail was cut: {capped.truncated}.")
        clean += f"<hr><p><em>{note}</em></p>"
    head = f'<meta http-equiv="Content-Security-Policy" content="{_FRAME_CSP}">'
    return (
        f'<!doctype html><html><head>{head}<base target="_blank"></head><body>{clean}</body></html>'
    )


def highlighted(text: str, entities: list[Entity], field: str = "text") -> Markup:
    """The text, escaped, with each entity found in it wrapped in <mark>."""
    spans = sorted(
        (e for e in entities if e.field == field and 0 <= e.start < e.end <= len(text)),
        key=lambda e: e.start,
    )
    out: list[str] = []
    at = 0
    for entity in spans:
        if entity.start < at:
            continue  # overlapping spans: the first one wins
        out.append(str(escape(text[at : entity.start])))
        title = escape(f"{entity.kind}: {entity.value}")
        piece = escape(text[entity.start : entity.end])
        out.append(f'<mark class="entity {escape(entity.kind)}" title="{title}">{piece}</mark>')
        at = entity.end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))
