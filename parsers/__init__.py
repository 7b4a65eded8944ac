"""Bytes and text to `Message`: MIME, HTML, replies, automatic mail, entities."""

from parsers.entities import EntityPatterns, extract_entities
from parsers.message import message_key, parse_message, strip_mbox_from_line
from parsers.options import ParseOptions
from parsers.text import message_from_text

__all__ = [
    "EntityPatterns",
    "ParseOptions",
    "extract_entities",
    "message_from_text",
    "message_key",
    "parse_message",
    "strip_mbox_from_line",
]
