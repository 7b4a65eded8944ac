"""Loading the taxonomy and rule files (YAML), shipped defaults or the deployer's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from models import Taxonomy
from triage.errors import ConfigurationError

_M = TypeVar("_M", bound=BaseModel)
DEFAULTS = Path(__file__).parent / "defaults"
DEFAULT_TAXONOMY = DEFAULTS / "taxonomy.yaml"
DEFAULT_RULES = DEFAULTS / "rules.yaml"


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning any problem into a ConfigurationError naming the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc


def load_yaml_model(path: Path, model: type[_M], what: str) -> _M:
    """A pydantic model read from a YAML file; any problem names the file."""
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ConfigurationError(f"invalid {what} {path}: {exc}") from exc


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy from `path`, or the shipped default."""
    return load_yaml_model(path or DEFAULT_TAXONOMY, Taxonomy, "taxonomy")
