"""Urgency from explicit cues, legal threats, near deadlines found by the extractor, and the intent.

Cues are written for en, de, fr, es, it, nl and pt. Each pattern is an alternation of
phrases whose only repetitions are whitespace between words and bounded gaps; no group
repeats, so nothing backtracks and a search stays linear in the text length (a test times
a megabyte).
Accented letters also match their bare and transliterated forms (``ä|ae|a``, ``é|e``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from models import Entity, EntityKind, Message, Urgency


def _cues(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive regex matching any of the patterns as whole words."""
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# Production at a standstill: someone must act within the hour. Not checked for negation:
# "to avoid a line down" is as urgent as "line down".
_CRITICAL_RE = _cues(
    r"line[- ]down|production\s+(?:stop|stopped|standstill|halt|halted)|plant\s+(?:stop|down)",
    r"(?:line|production)\s+(?:has\s+|is\s+)?(?:stopped|at\s+a\s+standstill)",
    r"Band\s*stillstand|Produktions\s*stillstand|Linien\s*stillstand|Anlagen\s*stillstand",
    r"Produktion\s+steht|(?:Band|Linie)\s+steht\s+still",
    r"arr(?:ê|e)t\s+de\s+(?:la\s+)?(?:production|cha(?:î|i)ne)",
    r"(?:production|cha(?:î|i)ne|ligne)\s+(?:est\s+)?(?:arr(?:ê|e)t(?:é|e)e|(?:à|a)\s+l['’]arr(?:ê|e)t)",
    r"parada\s+de\s+(?:la\s+)?(?:producci(?:ó|o)n|l(?:í|i)nea)",
    r"(?:producci(?:ó|o)n|l(?:í|i)nea)\s+(?:est(?:á|a)\s+)?(?:parada|detenida)",
    r"fermo\s+(?:della\s+)?(?:produzione|linea)|(?:produzione|linea)\s+(?:(?:è|e)\s+)?ferma",
    r"blocco\s+della\s+produzione",
    r"productie\s*stilstand|(?:productie|lijn)\s+(?:ligt|staat)\s+stil",
    r"productie\s+(?:is\s+)?stilgelegd",
    r"(?:paragem|parada|paralisa(?:ç|c)(?:ã|a)o)\s+(?:da\s+|de\s+)?(?:produ(?:ç|c)(?:ã|a)o|linha)",
    r"(?:produ(?:ç|c)(?:ã|a)o|linha)\s+(?:est(?:á|a)\s+)?parad[ao]",
)

_HIGH_RE = _cues(
    # en
    r"urgent(?:ly)?|urgency|asap|a\.s\.a\.p|immediately|right\s+away|at\s+once|emergency",
    r"as\s+soon\s+as\s+possible|without\s+delay|top\s+priority|time[- ]critical|rush\s+order",
    r"EOD|by\s+(?:the\s+)?end\s+of\s+(?:the\s+)?day|(?:by|latest)\s+today",
    r"today\s+at\s+the\s+latest|no\s+later\s+than\s+today",
    r"(?:need|needs|needed|ship|send|deliver|dispatch)\s+(?:it\s+|this\s+|them\s+)?today",
    # de
    r"dringend(?:e|en|er|es)?|dringlich|Dringlichkeit|eilig(?:e|en|er|es)?|eilt",
    # "ab sofort" is "from now on", not "at once"
    r"Eil(?:auftrag|lieferung|sendung)|(?<!ab\s)sofort(?:ig(?:e|en|er|es)?)?|umgehend(?:e|en|er|es)?",
    r"unverz(?:ü|ue|u)glich(?:e|en|er|es)?|schnellstm(?:ö|oe|o)glich",
    r"so\s+schnell\s+wie\s+m(?:ö|oe|o)glich|Notfall",
    r"noch\s+heute|heute\s+noch|sp(?:ä|ae|a)testens\s+heute|bis\s+heute\s+(?:Abend|Mittag)",
    # fr (urgent, urgence and immédiatement share the English stems above)
    r"urgente?s?|urgence|imm(?:é|e)diate?(?:ment)?|au\s+plus\s+vite|au\s+plus\s+t(?:ô|o)t",
    r"d(?:è|e)s\s+que\s+possible|sans\s+d(?:é|e)lai",
    r"aujourd['’]hui\s+(?:m(?:ê|e)me|au\s+plus\s+tard)|(?:avant|d['’]ici)\s+ce\s+soir",
    r"avant\s+la\s+fin\s+de\s+(?:la\s+)?journ(?:é|e)e",
    # es
    r"urgencia|urgentemente|inmediatamente|de\s+inmediato|cuanto\s+antes",
    r"lo\s+antes\s+posible|lo\s+m(?:á|a)s\s+pronto\s+posible|sin\s+demora",
    r"hoy\s+mismo|para\s+hoy|a\s+m(?:á|a)s\s+tardar\s+hoy",
    # it
    # "subito" after an auxiliary is the participle of "subire" ("abbiamo subito un danno")
    r"urgent[ei]|urgenza|immediatamente|(?<!ho\s)(?<!ha\s)(?<!abbiamo\s)(?<!hanno\s)subito",
    r"al\s+pi(?:ù|u)\s+presto|quanto\s+prima",
    r"il\s+prima\s+possibile|senza\s+indugio|oggi\s+stesso|entro\s+(?:oggi|stasera)",
    r"entro\s+(?:la\s+)?fine\s+(?:della\s+)?giornata",
    # nl
    r"spoed(?:order|levering|bestelling|eisend)?|met\s+spoed|zo\s+snel\s+mogelijk|zsm",
    r"onmiddellijk|vandaag\s+nog|nog\s+vandaag|uiterlijk\s+vandaag",
    # pt
    r"urg(?:ê|e)ncia|imediatamente|de\s+imediato|o\s+quanto\s+antes",
    r"o\s+mais\s+(?:r(?:á|a)pido|breve)\s+poss(?:í|i)vel|sem\s+demora",
    r"hoje\s+mesmo|ainda\s+hoje|at(?:é|e)\s+(?:ao\s+|o\s+)?(?:final|fim)\s+do\s+dia",
)

# A cue after a negation, an availability word or an out-of-office's conditional ("not
# urgent", "nicht dringend", "disponible immédiatement", "en cas d'urgence", "para asuntos
# urgentes") says nothing about this mail's urgency.
_DISCOUNTED_BEFORE_RE = re.compile(
    r"(?:\b(?:not|no|never|nothing|nicht|kein|keine|keinen|ohne|pas|sans|aucune?|sin|nada|"
    r"non|senza|niet|geen|zonder|n(?:ã|a)o|sem|available|lieferbar|verf(?:ü|ue|u)gbar|"
    r"disponibles?|disponibili?|dispon(?:í|i)ve(?:l|is)|leverbaar|beschikbaar|effective|effet)\b"
    r"[^.,;:!?\n\d]{0,12}"
    r"|\b(?:in\s+case\s+of|en\s+cas\s+d['’]|pour\s+toute|en\s+caso\s+de|in\s+caso\s+di|"
    r"in\s+geval\s+van|em\s+caso\s+de|asuntos|casos|cuestiones|questioni|casi|assuntos|"
    r"quest(?:õ|o)es|affaires|demandes)\s*)$",
    re.IGNORECASE,
)
# ... or before one ("es eilt nicht", "sofort lieferbar", "for urgent matters").
_DISCOUNTED_AFTER_RE = re.compile(
    r"^\W{0,3}(?:nicht|niet|lieferbar|verf(?:ü|ue|u)gbar|available|in\s+stock|disponibles?|"
    r"disponibili?|dispon(?:í|i)ve(?:l|is)|leverbaar|beschikbaar|matters|cases|questions|"
    r"enquiries|inquiries|F(?:ä|ae|a)llen|Angelegenheiten|Anliegen|zaken|gevallen|vragen|effect|"
    r"Wirkung)\b",
    re.IGNORECASE,
)
_WINDOW = 24

# Legal threats: a lawyer, court action, a formal notice or a payment order.
_LEGAL_RE = _cues(
    # en
    r"(?:take|taking|initiate|start|pursue|commence|begin)\s+legal\s+(?:action|steps|proceedings)",
    r"legal\s+(?:action|proceedings)\s+against|lawsuit|(?:sue|suing)\s+(?:you|your\s+company)",
    r"(?:our|my)\s+(?:lawyers?|attorneys?|solicitors?|legal\s+counsel)",
    r"(?:see\s+you|take\s+you|taking\s+you)\s+(?:in|to)\s+court|court\s+proceedings",
    r"small\s+claims\s+court|letter\s+before\s+action",
    # de
    r"Mahnbescheid|Mahnverfahren|(?:rechtliche|gerichtliche|juristische|anwaltliche)\s+Schritte",
    r"(?:unser(?:e|en|em)?|mein(?:e|en|em)?)\s+(?:Rechts)?(?:Anwalt|Anw(?:ä|ae|a)ltin|Anw(?:ä|ae|a)lte)",
    r"Klage\s+(?:einreichen|erheben)|verklagen|Inkasso(?:b(?:ü|ue|u)ro|unternehmen|verfahren)",
    # fr
    r"mise\s+en\s+demeure|action\s+en\s+justice|poursuites(?:\s+judiciaires)?",
    r"(?:notre|nos|mon)\s+avocats?|proc(?:é|e)dure\s+judiciaire|saisir\s+(?:le|la)\s+(?:tribunal|justice)",
    # es
    r"acci(?:ó|o)n(?:es)?\s+(?:legal|legales|judicial|judiciales)|medidas\s+(?:legales|judiciales)",
    r"(?:nuestro|nuestros|mi)\s+abogados?|demanda\s+judicial|v(?:í|i)a\s+judicial|burofax",
    r"procedimiento\s+judicial",
    # it
    r"azion[ei]\s+(?:legal[ei]|giudiziari[ae])|vie\s+legali|(?:nostro|nostri|mio)\s+(?:avvocat[oi]|legale|legali)",
    r"decreto\s+ingiuntivo|messa\s+in\s+mora|diffida",
    # nl
    r"advocaat|advocaten|(?:juridische|gerechtelijke)\s+stappen|rechtszaak|ingebrekestelling",
    r"incassobureau|dagvaarding",
    # pt
    r"a(?:c?ç|cc|c)(?:ã|a)o\s+judicial|a(?:ç|c)(?:õ|o)es\s+judiciais|medidas\s+(?:legais|judiciais)",
    r"(?:nosso|nossos|meu)\s+advogados?|processo\s+judicial|notifica(?:ç|c)(?:ã|a)o\s+extrajudicial",
)
_HIGH_INTENTS = frozenset({"delivery_problem", "complaint", "billing_dispute", "supplier_delay"})
# Automatic mail stays low whatever it says: spam shouts "urgent", out-of-office notes name
# a colleague "for urgent matters", and bounces quote the mail they return.
_AUTOMATIC_INTENTS = frozenset({"auto_reply", "bounce", "newsletter", "spam"})
_LOW_INTENTS = _AUTOMATIC_INTENTS | {"other"}
DEADLINE_WORKING_DAYS = 2


def assess_urgency(
    message: Message, intent: str, today: date | None = None
) -> tuple[Urgency, list[str]]:
    """The urgency of a message with every reason that raised or lowered it."""
    if intent in _AUTOMATIC_INTENTS:
        return Urgency.LOW, [f"intent {intent}"]
    text = f"{message.subject}\n{message.text}"
    reasons: list[str] = []
    if found := _CRITICAL_RE.search(text):
        return Urgency.CRITICAL, [f"cue {found.group(0)!r}"]
    if cue := urgency_cue(text):
        reasons.append(f"cue {cue!r}")
    if threat := legal_threat(text):
        reasons.append(f"legal threat {threat!r}")
    reference = today or _reference_day(message)
    deadline = _near_deadline(message.entities, reference)
    if deadline:
        reasons.append(f"deadline {deadline.value} within {DEADLINE_WORKING_DAYS} working days")
    if intent in _HIGH_INTENTS:
        reasons.append(f"intent {intent}")
    if reasons:
        return Urgency.HIGH, reasons
    if intent in _LOW_INTENTS:
        return Urgency.LOW, [f"intent {intent}"]
    return Urgency.NORMAL, []


def urgency_cue(text: str) -> str | None:
    """The first urgency cue in the text that no negation or availability word cancels."""
    for found in _HIGH_RE.finditer(text):
        before = text[max(0, found.start() - _WINDOW) : found.start()]
        after = text[found.end() : found.end() + _WINDOW]
        if not (_DISCOUNTED_BEFORE_RE.search(before) or _DISCOUNTED_AFTER_RE.search(after)):
            return found.group(0)
    return None


def legal_threat(text: str) -> str | None:
    """The first phrase in the text that threatens legal action, if any."""
    found = _LEGAL_RE.search(text)
    return found.group(0) if found else None


def _reference_day(message: Message) -> date:
    moment = message.date or message.received_at or datetime.now()
    return moment.date()


def _near_deadline(entities: list[Entity], reference: date) -> Entity | None:
    limit = add_working_days(reference, DEADLINE_WORKING_DAYS)
    for entity in entities:
        if entity.kind in (EntityKind.DATE, EntityKind.ETA) and entity.field != "quoted":
            try:
                when = date.fromisoformat(entity.value)
            except ValueError:
                continue
            if reference <= when <= limit:
                return entity
    return None


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        if current >= date.max - timedelta(days=1):
            return date.max  # a Date header in year 9999 has no working days after it
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
