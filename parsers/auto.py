"""Recognising mail written by machines: bounces, auto-replies, newsletters and lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message as StdMessage

from models import Address, AutoKind, BounceInfo
from parsers.headers import HeaderReader

_OOO_SUBJECT_RE = re.compile(
    r"^\s*(?:(?:re|aw|fw|fwd|wg|tr)\s*:\s*)*(?:"
    r"automatic reply|auto[- ]?reply|auto[- ]?response|autosvar|out of (?:the )?office|"
    r"abwesenheitsnotiz|automatische antwort|abwesend|"
    r"r[ée]ponse automatique|absence|"
    r"respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori ufficio|"
    r"automatisch antwoord|afwezig|fr[åa]nvaro|odpowied[źz] automatyczna|"
    r"automatick[áa] odpov[ěe][ďd]|自動応答|不在)\s*[:：]",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|delivery status notification|failure notice|returned mail|"
    r"mail delivery (?:failed|failure|system)|delivery (?:has )?failed|non remis|"
    r"unzustellbar|nicht zustellbar|message not delivered|delivery failure",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_REPORT_DSN_RE = re.compile(r"report-type\s*=\s*\"?delivery-status", re.IGNORECASE)
_STATUS_RE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_RECIPIENT_RE = re.compile(
    r"(?:final|original)-recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.I
)


@dataclass(frozen=True)
class AutoDetection:
    """The automatic-mail marker with the reason it was set."""

    kind: AutoKind
    reason: str = ""
    bounce: BounceInfo | None = None


def detect_auto(msg: StdMessage, headers: HeaderReader, sender: Address | None) -> AutoDetection:
    """Decide whether a mail is a bounce, an auto-reply, a newsletter or a list message."""
    subject = headers.text("Subject")
    bounce_reason = _bounce_reason(headers, subject, sender)
    if bounce_reason:
        return AutoDetection(AutoKind.BOUNCE, bounce_reason, extract_bounce(msg, headers))
    reply_reason = _auto_reply_reason(headers, subject)
    if reply_reason:
        return AutoDetection(AutoKind.AUTO_REPLY, reply_reason)
    return _list_or_newsletter(headers)


def _list_or_newsletter(headers: HeaderReader) -> AutoDetection:
    # Discussion lists can be posted to (List-Post); newsletters only unsubscribed from.
    precedence = headers.text("Precedence").lower()
    if headers.text("List-Post") or precedence == "list":
        return AutoDetection(
            AutoKind.LIST, "List-Post" if headers.text("List-Post") else "Precedence"
        )
    if headers.text("List-Unsubscribe"):
        return AutoDetection(AutoKind.NEWSLETTER, "List-Unsubscribe")
    if precedence in ("bulk", "junk"):
        return AutoDetection(AutoKind.NEWSLETTER, f"Precedence: {precedence}")
    if headers.text("List-Id"):
        return AutoDetection(AutoKind.LIST, "List-Id")
    return AutoDetection(AutoKind.NONE)


def _bounce_reason(headers: HeaderReader, subject: str, sender: Address | None) -> str:
    ctype = headers.text("Content-Type").lower()
    if ctype.startswith("multipart/report") and _REPORT_DSN_RE.search(ctype):
        return "multipart/report delivery-status"
    if headers.text("X-Failed-Recipients"):
        return "X-Failed-Recipients"
    local = sender.email.partition("@")[0] if sender else ""
    if local in _BOUNCE_SENDERS and _BOUNCE_SUBJECT_RE.search(subject):
        return f"sender {local} and subject"
    return ""


def _auto_reply_reason(headers: HeaderReader, subject: str) -> str:
    submitted = headers.text("Auto-Submitted").lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if headers.text(name):
            return name
    if _OOO_SUBJECT_RE.search(subject):
        return "out-of-office subject"
    return ""


def extract_bounce(msg: StdMessage, headers: HeaderReader) -> BounceInfo:
    """Failed recipients, status code, action and diagnostic of a bounce."""
    fields = _delivery_status_fields(msg)
    recipients = [m.group(1).lower() for m in _RECIPIENT_RE.finditer(fields)]
    recipients += [a.email for a in headers.addresses("X-Failed-Recipients")]
    status = _field(fields, "Status") or _first_status(msg)
    code = _STATUS_RE.search(status)
    return BounceInfo(
        recipients=list(dict.fromkeys(recipients)),
        status=code.group(1) if code else status,
        action=_field(fields, "Action").lower(),
        diagnostic=_field(fields, "Diagnostic-Code"),
    )


def _delivery_status_fields(msg: StdMessage) -> str:
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                return "\n".join(_block_text(block) for block in payload)
            return str(payload)
    return ""


def _block_text(block: object) -> str:
    if isinstance(block, StdMessage):
        return "\n".join(f"{k}: {v}" for k, v in block.raw_items())
    return str(block)


def _field(fields: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(.+(?:\n[ \t].+)*)", fields, re.IGNORECASE | re.MULTILINE)
    return " ".join(match.group(1).split()) if match else ""


def _first_status(msg: StdMessage) -> str:
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found = _STATUS_RE.search(payload[:20_000].decode("latin-1"))
                if found:
                    return found.group(1)
    return ""
