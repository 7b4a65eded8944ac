"""Whether a mail's From address was authenticated by our own receiving mail server.

Only Authentication-Results headers added by a trusted authserv-id count (the receiving server
must remove incoming headers that carry its id, RFC 8601 section 5). Authenticated means DMARC
pass for the From domain, or SPF or DKIM pass aligned with it. Alignment is relaxed and
approximated: the same domain, or one a subdomain of the other (no public-suffix list, so two
sibling subdomains of one organisation are not aligned).
"""

from __future__ import annotations

from models import AuthResult, Message


def escape_like(value: str) -> str:
    """`value` with SQL LIKE wildcards escaped, for an exact `=ilike` match in Odoo."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def unauthenticated_reason(message: Message, trusted: frozenset[str]) -> str:
    """'' when the From address is authenticated by a trusted server, else why not."""
    domain = message.from_.domain if message.from_ else ""
    if not domain:
        return "no From domain"
    if not trusted:
        return "no trusted authserv-id is configured (odoo.trusted_authserv_ids)"
    results = [r for h in message.authentication if h.authserv_id in trusted for r in h.results]
    if not results:
        return "no Authentication-Results header from a trusted server"
    if any(_passes_for(r, domain) for r in results):
        return ""
    seen = ", ".join(sorted({f"{r.method}={r.result}" for r in results})) or "no results"
    return f"no DMARC, or SPF or DKIM aligned with {domain}, passed ({seen})"


def _passes_for(result: AuthResult, domain: str) -> bool:
    if result.result != "pass":
        return False
    props = result.properties
    if result.method == "dmarc":
        return _domain_of(props.get("header.from", "")) == domain
    if result.method == "spf":
        return aligned(_domain_of(props.get("smtp.mailfrom", "")), domain)
    if result.method == "dkim":
        signer = props.get("header.d") or _domain_of(props.get("header.i", ""))
        return aligned(_domain_of(signer), domain)
    return False


def aligned(other: str, domain: str) -> bool:
    """Relaxed alignment, approximated: equal, or one a subdomain of the other."""
    if not other or "." not in other:
        return False
    return other == domain or other.endswith(f".{domain}") or domain.endswith(f".{other}")


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2].strip().strip(".").lower()
