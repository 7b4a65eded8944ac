"""Mail framing: the greeting that opens a mail and the sign-off that closes it.

Real mail opens with "Hi Megan," or "Sehr geehrte Damen und Herren," and ends with
"Kind regards, <name>, <company>"; the short training rows mostly lack both. Neither says
what the mail is about, so the classical model reads the text without them: the same words
then weigh the same in a one-line training row and in a full mail.

The lists cover the languages the team writes in (en de fr es it nl pt). A greeting is
removed only at the very start, and only up to the first comma, colon or line end within a
short span; a sign-off only as a line of its own, taking the lines after it (name, company).
"""

from __future__ import annotations

import re

# Per language, the phrases separated by "|" (matched case-insensitively, longest first).
GREETINGS = {
    "en": "dear|hi|hello|hey|good morning|good afternoon|good evening|greetings"
    "|to whom it may concern",
    "de": "sehr geehrte|sehr geehrter|sehr geehrtes|liebe|lieber|hallo|guten tag"
    "|guten morgen|moin|servus|grüß gott",
    "fr": "bonjour|bonsoir|cher|chère|chers|madame|monsieur|mesdames|salut",
    "es": "estimado|estimada|estimados|estimadas|hola|buenos días|buenas tardes|señor"
    "|señora|señores",
    "it": "gentile|gentili|egregio|egregi|spettabile|spett.le|buongiorno|buonasera|ciao"
    "|salve|caro|cara|cari",
    "nl": "geachte|beste|hoi|goedemorgen|goedemiddag|dag",
    "pt": "prezado|prezada|prezados|caros|exmo|exma|exmos|exmas|olá|bom dia|boa tarde"
    "|senhor|senhora|senhores",
}
SIGN_OFFS = {
    "en": "best regards|kind regards|warm regards|regards|best wishes|best|many thanks"
    "|thanks in advance|thank you|thanks|cheers|sincerely|yours sincerely|yours faithfully"
    "|all the best",
    "de": "mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße"
    "|freundliche grüsse|viele grüße|viele grüsse|beste grüße|beste grüsse|liebe grüße"
    "|herzliche grüße|gruß|grüße|danke|vielen dank",
    "fr": "cordialement|bien cordialement|bien à vous|salutations|meilleures salutations"
    "|sincères salutations|merci|merci beaucoup|merci d'avance|avec mes remerciements"
    "|veuillez agréer",
    "es": "saludos|un saludo|saludos cordiales|atentamente|cordialmente|muchas gracias"
    "|gracias|un cordial saludo|gracias de antemano",
    "it": "cordiali saluti|distinti saluti|saluti|grazie|grazie mille|un cordiale saluto"
    "|a presto|grazie e cordiali saluti",
    "nl": "met vriendelijke groet|met vriendelijke groeten|vriendelijke groet"
    "|vriendelijke groeten|groeten|groet|hartelijke groet|alvast bedankt|bedankt|dank"
    "|dank u wel|dank je wel",
    "pt": "com os melhores cumprimentos|melhores cumprimentos|cumprimentos|atenciosamente"
    "|obrigado|obrigada|muito obrigado|abraço|abraços",
}


def _alternatives(phrases: dict[str, str]) -> str:
    every = {p for line in phrases.values() for p in line.split("|")}
    return "|".join(re.escape(p) for p in sorted(every, key=len, reverse=True))


# A greeting word (an abbreviation keeps its dot), then anything short up to the first
# comma, colon, "!" or line end.
_GREETING = re.compile(
    r"^\s*(?:" + _alternatives(GREETINGS) + r")\b\.?[^\n,:!.?]{0,40}(?:[,:!]|\n|$)\s*",
    re.IGNORECASE,
)
# A line that is only a sign-off phrase (with its punctuation), and everything after it.
_SIGN_OFF = re.compile(
    r"\n\s*(?:" + _alternatives(SIGN_OFFS) + r")[ \t]*(?:[,.!][^\n]{0,40})?[ \t]*(?:\n.*)?$",
    re.IGNORECASE | re.DOTALL,
)


def strip_framing(text: str) -> str:
    """The text without an opening greeting and a closing sign-off (and what follows it).

    The first line may be a subject (as in `model_text`): the greeting is looked for at the
    start of the text and at the start of its second line. Nothing is removed when that
    would leave the text empty."""
    head, newline, body = text.partition("\n")
    if newline and not _GREETING.match(head):
        stripped = head + "\n" + _strip_body(body)
    else:
        stripped = _strip_body(text)
    return stripped if stripped.strip() else text


def _strip_body(body: str) -> str:
    # Twice: "Madame, Monsieur," and "Hi all, good morning," are two greetings in a row.
    without_greeting = _GREETING.sub("", _GREETING.sub("", body, count=1), count=1)
    return _SIGN_OFF.sub("", without_greeting, count=1)
