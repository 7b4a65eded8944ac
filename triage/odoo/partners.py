"""Small reads of Odoo the workflow needs beyond linking."""

from __future__ import annotations

from triage.link.port import ErpReader


class PartnerLanguage:
    """A partner's language code (Odoo's `lang`, e.g. nl_BE)."""

    def __init__(self, erp: ErpReader) -> None:
        self.erp = erp

    def language_of(self, partner_id: int) -> str:
        """The partner's language, 'en' when Odoo has none."""
        rows = self.erp.read("res.partner", [partner_id], ["lang"])
        return str(rows[0].get("lang") or "en") if rows else "en"
