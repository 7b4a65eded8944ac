"""LLM prompt templates, one text file per task next to its output schema, each versioned.

A template file holds the system part, a line `=== user ===`, and the user part. Placeholders
are `$name` (string.Template). The version is a hash of the template and the schema, so any
change to either gives a new version, and cached answers of the old one are not reused.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from pydantic import BaseModel

from prompts.classify import ClassifyOutput
from prompts.draft_customer_update import DraftOutput
from prompts.extract import ExtractOutput
from prompts.summarize import SummaryOutput

_HERE = Path(__file__).parent
_SPLIT = "\n=== user ===\n"
_MARKERS = re.compile(r"<{3,}|>{3,}")
SCHEMAS: dict[str, type[BaseModel]] = {
    "classify": ClassifyOutput,
    "extract": ExtractOutput,
    "summarize": SummaryOutput,
    "draft_customer_update": DraftOutput,
}


@dataclass(frozen=True)
class Rendered:
    """A prompt ready to send: system and user text, the task, its version and schema."""

    task: str
    version: str
    system: str
    user: str
    schema: type[BaseModel]


@dataclass(frozen=True)
class Prompt:
    """One task's template and output schema."""

    task: str
    system: Template
    user: Template
    schema: type[BaseModel]
    version: str

    def render(self, untrusted: str, **values: str) -> Rendered:
        """Fill the template; `untrusted` goes into a delimited block the model treats as data."""
        block = untrusted_block(untrusted)
        fields = {"schema_fields": schema_fields(self.schema), **values}
        return Rendered(
            task=self.task,
            version=self.version,
            system=self.system.substitute(fields),
            user=self.user.substitute(fields, untrusted=block),
            schema=self.schema,
        )


@cache
def load_prompt(task: str) -> Prompt:
    """The prompt for a task ('classify', 'extract', 'summarize', 'draft_customer_update')."""
    schema = SCHEMAS[task]
    text = (_HERE / f"{task}.txt").read_text(encoding="utf-8")
    system, user = text.split(_SPLIT, 1)
    shape = json.dumps(schema.model_json_schema(), sort_keys=True)
    version = hashlib.sha256(f"{text}\n{shape}".encode()).hexdigest()[:12]
    return Prompt(
        task, Template(system.strip()), Template(user.strip()), schema, f"{task}@{version}"
    )


def untrusted_block(text: str) -> str:
    """The mail as data: fenced by markers it cannot forge (its own copies are defused)."""
    clean = _MARKERS.sub(lambda m: m.group(0)[0] * 2, text)
    tag = hashlib.sha256(clean.encode()).hexdigest()[:12]
    return f"<<<UNTRUSTED {tag}>>>\n{clean}\n<<<END UNTRUSTED {tag}>>>"


def normalised_hash(*parts: str) -> str:
    """A hash of content that ignores case, Unicode form and runs of whitespace."""
    joined = "\x1f".join(
        " ".join(unicodedata.normalize("NFKC", p).casefold().split()) for p in parts
    )
    return hashlib.sha256(joined.encode()).hexdigest()


def schema_fields(schema: type[BaseModel]) -> str:
    """The schema's fields and descriptions as a list: the descriptions are instructions."""
    lines = []
    for name, info in schema.model_fields.items():
        lines.append(f"- {name}: {info.description or ''}".rstrip())
    return "\n".join(lines)
