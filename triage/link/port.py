"""The read side of the ERP port the linker needs (the odoorpc adapter implements it)."""

from __future__ import annotations

from typing import Any, Protocol

from models import OdooCapabilities


class ErpReader(Protocol):
    """Read access to Odoo models; failures raise OdooError subclasses."""

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching a domain."""
        ...

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        """Records by id."""
        ...


class ErpClient(ErpReader, Protocol):
    """Reads plus any method call and the server version: what the executors and the
    capability probe need (triage.odoo.adapter.OdooClient is the real one)."""

    def call(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any], once: bool = False
    ) -> Any:
        """Any model method; `once` means never retried by the adapter (writes)."""
        ...

    def server_version(self) -> str:
        """Odoo's server_version, e.g. "17.0" or "18.0+e"."""
        ...


class CapabilitySource(Protocol):
    """The capability probe's result (the odoorpc adapter probes once and keeps it)."""

    def capabilities(self) -> OdooCapabilities:
        """What the connected Odoo offers."""
        ...


def m2o_id(value: Any) -> int | None:
    """The id of a many2one value as Odoo returns it: [id, name], a bare id, or false."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str:
    """The display name of a many2one value read with the default load ('' when unset)."""
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else ""
