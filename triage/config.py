"""One `Settings` object: TRIAGE_* environment variables and an optional triage.toml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from parsers import EntityPatterns, ParseOptions
from triage.errors import ConfigurationError

DEFAULT_DATA_DIR = Path("var")
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "test"}


class ThrottleRule(BaseModel):
    """Failed logins one account or one client address may have before a delay, then a lock."""

    free: int = Field(ge=0, description="Failures answered at once")
    lock_after: int = Field(ge=1, description="Failures in the window that lock it")


class LoginSettings(BaseModel):
    """Login throttling (failures counted with `limits`) and the bound on password hashing."""

    account: ThrottleRule = ThrottleRule(free=3, lock_after=10)
    address: ThrottleRule = ThrottleRule(free=10, lock_after=50)
    window_seconds: int = Field(default=900, ge=1, description="Failures are counted this long")
    lock_seconds: int = Field(default=900, ge=1)
    delay_base_seconds: int = Field(default=1, ge=1, description="Doubles with each failure")
    delay_max_seconds: int = Field(default=60, ge=1)
    storage: str = Field(
        default="memory://", description="A `limits` storage URI; memory: per process"
    )
    hash_concurrency: int = Field(default=4, ge=1, le=64, description="argon2 runs at once")


class ApiSettings(BaseModel):
    """The HTTP server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    session_secret: SecretStr | None = Field(
        default=None, description="Signs UI session cookies; random per start when unset"
    )
    secure_cookies: bool = Field(
        default=False, description="Send cookies over HTTPS only (always on in production)"
    )
    session_hours: float = Field(default=12.0, gt=0)
    behind_proxy: bool = Field(
        default=False, description="A proxy in front ends TLS (production needs HTTPS)"
    )
    login: LoginSettings = LoginSettings()


class GateSettings(BaseModel):
    """The model promotion gate of `triage train`: a frozen slice of reviewed mail it tests on."""

    share: float = Field(
        default=0.2, ge=0.0, lt=1.0, description="Share of reviewed mail held out (by id hash)"
    )
    min_messages: int = Field(
        default=20, ge=1, description="Fewer reviewed messages in the slice: switch unjudged"
    )
    # About one standard error of precision 0.97 measured on 1,000 messages: a large slice
    # forgives losing a message or two to noise; on a slice under 200 it is stricter than
    # one message, so any real loss refuses.
    tolerance: float = Field(
        default=0.005, ge=0.0, le=1.0, description="Allowed drop in macro-F1 and precision"
    )


class ClassifySettings(BaseModel):
    """The classifier: taxonomy and rule files, model folder, training data, precision target."""

    taxonomy: Path | None = Field(default=None, description="YAML taxonomy; shipped default")
    rules: Path | None = Field(default=None, description="YAML rules; shipped default")
    model_dir: Path | None = Field(default=None, description="Default: <data_dir>/models/classical")
    training_data: Path = Path("data")
    target_precision: float = Field(default=0.97, gt=0.0, le=1.0)
    gate: GateSettings = GateSettings()


class MailboxSettings(BaseModel):
    """One IMAP account and the folders to watch in it."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]+$", description="Short name used in status")
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str
    password: SecretStr | None = None
    oauth2_token: SecretStr | None = None
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    batch_size: int = Field(default=100, ge=1, le=5_000)
    idle: bool = True
    idle_seconds: float = Field(default=25 * 60, gt=0, le=29 * 60)
    poll_seconds: float = Field(default=60, gt=0)
    stale_after_seconds: float = Field(default=300, gt=0)
    timeout_seconds: float = Field(default=60, gt=0)
    mark_seen: bool = False
    keywords: bool = False
    move_by_intent: dict[str, str] = Field(default_factory=dict)
    ca_file: Path | None = None
    verify_hostname: bool = True


class OdooSettings(BaseModel):
    """The Odoo instance to link mail to (JSON-RPC through odoorpc)."""

    url: str = Field(description="e.g. https://erp.example.com or http://127.0.0.1:8069")
    database: str
    login: str
    api_key: SecretStr
    timeout_seconds: float = Field(default=30, gt=0)
    trusted_authserv_ids: list[str] = Field(
        default_factory=list,
        description="authserv-ids of our own receiving mail servers: only their "
        "Authentication-Results headers count when a staff address is trusted as staff",
    )
    free_mail_domains: list[str] = Field(
        default_factory=lambda: [
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "yahoo.com",
            "icloud.com",
            "me.com",
            "aol.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "t-online.de",
            "proton.me",
            "protonmail.com",
            "orange.fr",
            "free.fr",
            "libero.it",
        ]
    )


class LlmTriggers(BaseModel):
    """When a message goes to the LLM (the rules and a sure classical answer come first)."""

    below_threshold: bool = Field(default=True, description="The classical model is unsure")
    long_chars: int = Field(default=3000, ge=0, description="Text at least this long; 0: off")
    languages: list[str] | None = Field(
        default=None,
        description="Mail in any other language goes to the LLM; unset: the model's languages",
    )
    supplier: bool = Field(default=True, description="Mail from a known supplier")
    references: int = Field(default=2, ge=0, description="At least this many references; 0: off")


class LlmSettings(BaseModel):
    """How the LLM is called; TRIAGE_LLM_BASE_URL, _MODEL and _API_KEY turn it on."""

    draft_model: str | None = Field(default=None, description="Model for drafting; default: model")
    deadline_seconds: float = Field(default=20.0, gt=0, description="Per call, retries included")
    max_retries: int = Field(default=2, ge=0, le=5)
    concurrency: int = Field(default=4, ge=1, le=64)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=60.0, gt=0)
    daily_token_budget: int | None = Field(default=None, ge=1, description="None: unlimited")
    message_token_ceiling: int | None = Field(default=None, ge=1)
    max_output_tokens: int = Field(default=800, ge=16)
    structured_output: Literal["auto", "json_schema", "function_calling", "json"] = "auto"
    cache: bool = True
    draft_temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    extract_intents: list[str] = Field(
        default_factory=lambda: ["supplier_delay", "supplier_confirmation", "order_change"],
        description="Intents whose mail also gets the `extract` prompt",
    )
    run_when: LlmTriggers = LlmTriggers()


class WebhookSettings(BaseModel):
    """A receiver the policy may send signed events to."""

    url: str = Field(pattern=r"^https?://")
    secret: SecretStr


class WorkerSettings(BaseModel):
    """The outbox worker inside `triage serve` (or alone: `triage worker`)."""

    enabled: bool = True
    interval_seconds: float = Field(default=2.0, gt=0)
    retry_base_seconds: float = Field(default=30.0, gt=0, description="Backoff doubles each try")
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    stale_after_seconds: float = Field(
        default=300.0, gt=0, description="A claim left by a dead worker"
    )
    escalate_every_seconds: float = Field(default=60.0, gt=0)


class PipelineSettings(BaseModel):
    """How a stored message's failed step is retried, and how unfinished mail is recovered."""

    max_attempts: int = Field(default=6, ge=1, description="Tries before a message is dead")
    retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_max_seconds: float = Field(default=3_600.0, gt=0)
    sweep_seconds: float = Field(
        default=30.0, gt=0, description="How often `triage serve` finishes unfinished mail"
    )
    stale_claim_seconds: float = Field(
        default=300.0, gt=0, description="After this, a claim is presumed left by a dead process"
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        description="Processes that parse and classify fetched IMAP mail; "
        "default one per core, 1 parses in the watcher's own process",
    )


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_",
        env_nested_delimiter="__",
        toml_file="triage.toml",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; SQLite under data_dir when unset"
    )
    api: ApiSettings = ApiSettings()
    parse: ParseOptions = ParseOptions()
    entities: EntityPatterns = EntityPatterns()
    classify: ClassifySettings = ClassifySettings()
    mailboxes: list[MailboxSettings] = Field(default_factory=list)
    odoo: OdooSettings | None = None
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible /v1 URL")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm: LlmSettings = LlmSettings()
    policy: Path | None = Field(default=None, description="Policy YAML; the shipped default")
    webhooks: dict[str, WebhookSettings] = Field(default_factory=dict)
    worker: WorkerSettings = WorkerSettings()
    pipeline: PipelineSettings = PipelineSettings()
    review_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL of the review UI, linked from Odoo"
    )
    log_level: str = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then the environment, then triage.toml."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        key = self.api.api_key
        if self.environment == "production" and (
            key is None or key.get_secret_value().strip().lower() in _PLACEHOLDERS
        ):
            raise ValueError("TRIAGE_API__API_KEY must be set to a real secret in production")
        secret = self.api.session_secret
        if self.environment == "production" and (
            secret is None or len(secret.get_secret_value()) < 32
        ):
            raise ValueError(
                "TRIAGE_API__SESSION_SECRET must be set (32+ characters) in production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_plain_http_in_production(self) -> Settings:
        if self.environment != "production" or self.api.behind_proxy:
            return self
        if not self.review_url.lower().startswith("https://"):
            raise ConfigurationError(
                "in production the review UI must be reached over HTTPS: `triage serve` speaks "
                "plain HTTP, so put a TLS proxy in front and set TRIAGE_REVIEW_URL to its "
                f"https:// address (now {self.review_url!r}) or declare "
                "TRIAGE_API__BEHIND_PROXY=true"
            )
        return self

    @property
    def model_dir(self) -> Path:
        """Where the classical model is saved and loaded."""
        return self.classify.model_dir or self.data_dir / "models" / "classical"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file under data_dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'triage.db'}"


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
