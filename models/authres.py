"""Authentication-Results (RFC 8601): what a receiving mail server checked about a mail."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AuthResult(BaseModel):
    """One method's verdict, e.g. dmarc=pass header.from=example.com."""

    model_config = ConfigDict(frozen=True)

    method: str = Field(description="Lower-cased: spf, dkim, dmarc, arc, ...")
    result: str = Field(description="Lower-cased: pass, fail, none, softfail, ...")
    properties: dict[str, str] = Field(
        default_factory=dict, description="ptype.property -> value, e.g. header.from, smtp.mailfrom"
    )


class AuthenticationResults(BaseModel):
    """One Authentication-Results header: who added it, and its results."""

    model_config = ConfigDict(frozen=True)

    authserv_id: str = Field(description="Lower-cased id of the server that added the header")
    results: list[AuthResult] = Field(default_factory=list)
