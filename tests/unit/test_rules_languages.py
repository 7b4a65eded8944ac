"""Rules and urgency cues in en, de, fr, es, it, nl and pt: each fires on what it should and
stays quiet on the near misses (negations, fee questions, suppliers cancelling, legal footers)."""

from __future__ import annotations

import pytest

from models import Urgency
from parsers import message_from_text
from triage.classify.files import load_taxonomy
from triage.classify.rules import RuleSet, load_rules
from triage.classify.urgency import assess_urgency, legal_threat, urgency_cue

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")

BANK_CHANGE = {
    "en": "Please note our new bank details from 1 May: IBAN GB29 NWBK 6016 1331 9268 19.",
    "de": "Bitte beachten Sie unsere neue Bankverbindung ab dem 1. Mai.",
    "fr": "Veuillez noter nos nouvelles coordonnees bancaires ci-dessous.",
    "es": "Les informamos de nuestros nuevos datos bancarios para futuros pagos.",
    "it": "Vi comunichiamo le nostre nuove coordinate bancarie per i prossimi pagamenti.",
    "nl": "Graag uw administratie aanpassen: wij hebben een nieuw rekeningnummer.",
    "pt": "Informamos que os nossos dados bancários foram alterados.",
}
BANK_NO_CHANGE = {
    "en": "Can you confirm the payment reached your bank account?",
    "de": "Ist unsere Bankverbindung auf der Rechnung noch korrekt?",
    "fr": "Pouvez-vous confirmer que le paiement est arrivé sur votre compte bancaire ?",
    "es": "¿Pueden confirmar que el pago ha llegado a su cuenta bancaria?",
    "it": "Potete confermare che il pagamento è arrivato sul vostro conto?",
    "nl": "Kunt u bevestigen dat de betaling op uw rekening is ontvangen?",
    "pt": "Podem confirmar que o pagamento chegou à vossa conta bancária?",
}
CANCEL = {
    "en": "Hello, please cancel our order S00042, we no longer need it.",
    "de": "Wir möchten unsere Bestellung S00042 leider stornieren.",
    "fr": "Merci d'annuler notre commande S00042, nous n'en avons plus besoin.",
    "es": "Queremos cancelar nuestro pedido S00042, ya no lo necesitamos.",
    "it": "Vorremmo annullare il nostro ordine S00042, non ci serve più.",
    "nl": "Wij willen onze bestelling S00042 graag annuleren.",
    "pt": "Queremos cancelar a nossa encomenda S00042, já não precisamos dela.",
}
# A question about the cancellation fee, and a supplier cancelling our purchase order.
NOT_A_CANCEL_REQUEST = {
    "en": [
        "Is there a cancellation fee if we cancel the order S00042?",
        "We regret that we have to cancel your order P00017, the item is discontinued.",
    ],
    "de": [
        "Fallen Stornogebühren an, wenn wir die Bestellung stornieren?",
        "Leider müssen wir Ihre Bestellung P00017 stornieren.",
    ],
    "fr": [
        "Y a-t-il des frais d'annulation si nous annulons la commande ?",
        "Nous sommes au regret de devoir annuler votre commande P00017.",
    ],
    "es": [
        "¿Hay gastos de cancelación si cancelamos el pedido?",
        "Lamentamos tener que cancelar su pedido P00017.",
    ],
    "it": [
        "Ci sono costi di annullamento se annulliamo l'ordine?",
        "Siamo costretti ad annullare il vostro ordine P00017.",
    ],
    "nl": [
        "Zijn er annuleringskosten als we de bestelling annuleren?",
        "Helaas moeten wij uw bestelling P00017 annuleren.",
    ],
    "pt": [
        "Existe alguma taxa de cancelamento se cancelarmos a encomenda?",
        "Lamentamos, mas teremos de cancelar a sua encomenda P00017.",
    ],
}
LEGAL_THREAT = {
    "en": "If the credit is not issued this week we will take legal action.",
    "de": "Sollte die Zahlung nicht eingehen, beantragen wir einen Mahnbescheid.",
    "fr": "Ce courrier vaut mise en demeure de livrer sous huit jours.",
    "es": "De lo contrario emprenderemos acciones legales.",
    "it": "In mancanza di risposta procederemo con azioni legali.",
    "nl": "Wij hebben de zaak overgedragen aan onze advocaat.",
    "pt": "Caso contrário, avançaremos com uma ação judicial.",
}
# Legal words that are no threat: footers, company names, registered offices.
NO_LEGAL_THREAT = {
    "en": "Please use our full legal entity name on the invoice.",
    "de": "Die rechtlichen Hinweise finden Sie im Impressum, Rechtsform GmbH.",
    "fr": "Les mentions légales figurent au bas de la facture.",
    "es": "Consulte el aviso legal y el nombre del representante legal.",
    "it": "La nostra sede legale è cambiata, le note legali sono sul sito.",
    "nl": "Onze juridische naam staat op de factuur.",
    "pt": "Por favor indiquem a razão social e o representante legal.",
}
URGENT = {
    "en": "We need the spare parts urgently.",
    "de": "Bitte senden Sie die Ersatzteile umgehend.",
    "fr": "C'est urgent, merci de livrer aujourd'hui même.",
    "es": "Necesitamos las piezas lo antes posible.",
    "it": "Abbiamo bisogno dei ricambi il prima possibile.",
    "nl": "Wij hebben de onderdelen met spoed nodig.",
    "pt": "Precisamos das peças com urgência.",
}
NOT_URGENT = {
    "en": ["No urgency, whenever convenient.", "This is not urgent."],
    "de": ["Es ist nicht dringend.", "Keine Eile, es eilt nicht."],
    "fr": ["Ce n'est pas urgent.", "Sans urgence, merci."],
    "es": ["No es urgente.", "Sin urgencia, cuando puedan."],
    "it": ["Non è urgente.", "Abbiamo subito un piccolo ritardo, nessun problema."],
    "nl": ["Het is niet dringend.", "Geen spoed, wanneer het u uitkomt."],
    "pt": ["Não é urgente.", "Sem urgência, quando puderem."],
}
STANDSTILL = {
    "en": "Our production is at a standstill without these parts.",
    "de": "Bei uns droht ein Produktionsstillstand.",
    "fr": "Sans ces pièces, notre chaîne est à l'arrêt.",
    "es": "Nuestra línea está parada por falta de piezas.",
    "it": "Abbiamo un fermo produzione per mancanza di pezzi.",
    "nl": "Onze productie ligt stil zonder deze onderdelen.",
    "pt": "A nossa linha está parada por falta de peças.",
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules().check(load_taxonomy())


def _fired(rules: RuleSet, text: str) -> list[str]:
    reason = rules.evaluate(message_from_text(text)).result.reason
    return [part.removeprefix("rule ") for part in reason.split("; ") if part.startswith("rule ")]


def _urgency(text: str) -> tuple[Urgency, list[str]]:
    return assess_urgency(message_from_text(text), "order_status")


def test_every_language_has_every_case() -> None:
    tables = [BANK_CHANGE, BANK_NO_CHANGE, CANCEL, NOT_A_CANCEL_REQUEST, LEGAL_THREAT]
    tables += [NO_LEGAL_THREAT, URGENT, NOT_URGENT, STANDSTILL]
    assert all(tuple(table) == LANGUAGES for table in tables)


@pytest.mark.parametrize("language", LANGUAGES)
def test_bank_detail_change(rules: RuleSet, language: str) -> None:
    assert _fired(rules, BANK_CHANGE[language]) == ["bank-details-change"]
    assert _fired(rules, BANK_NO_CHANGE[language]) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_cancellation_request(rules: RuleSet, language: str) -> None:
    result = rules.evaluate(message_from_text(CANCEL[language])).result
    assert [i.intent for i in result.intents] == ["order_cancel"]
    assert not result.certain and "rule order-cancel-request" in result.reason
    for text in NOT_A_CANCEL_REQUEST[language]:
        assert "order-cancel-request" not in _fired(rules, text), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_legal_threat_raises_urgency_to_high(language: str) -> None:
    level, reasons = _urgency(LEGAL_THREAT[language])
    assert level is Urgency.HIGH
    assert [r for r in reasons if r.startswith("legal threat ")] == reasons
    assert legal_threat(NO_LEGAL_THREAT[language]) is None
    assert _urgency(NO_LEGAL_THREAT[language]) == (Urgency.NORMAL, [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_urgency_cues_and_their_negations(language: str) -> None:
    level, reasons = _urgency(URGENT[language])
    assert level is Urgency.HIGH and reasons[0].startswith("cue ")
    for text in NOT_URGENT[language]:
        assert _urgency(text) == (Urgency.NORMAL, []), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_production_standstill_is_critical(language: str) -> None:
    assert _urgency(STANDSTILL[language])[0] is Urgency.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "Der Artikel ist sofort lieferbar.",
        "The item is available immediately from stock.",
        "Article disponible immédiatement.",
        "Abbiamo subito un ritardo dal trasportatore.",
        "Ab sofort gilt unsere neue Lieferadresse.",
        "Our new prices apply with immediate effect.",
        "Effective immediately, our warehouse closes at 4 pm.",
    ],
)
def test_availability_and_look_alikes_are_no_urgency(text: str) -> None:
    assert urgency_cue(text) is None


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("PO no 4711 urgent", "urgent"),
        ("Please reply a.s.a.p. Thanks", "a.s.a.p"),
        ("No problem with the price, but it is urgent", "urgent"),
        ("Spedite subito, grazie.", "subito"),
    ],
)
def test_negation_stops_at_numbers_and_clause_breaks(text: str, cue: str) -> None:
    assert urgency_cue(text) == cue


@pytest.mark.parametrize(
    "text",
    [
        "I am out of the office. For urgent matters please contact my colleague.",
        "In dringenden Fällen wenden Sie sich bitte an Frau Weber.",
        "En cas d'urgence, contactez mon collègue.",
        "Para asuntos urgentes, escriba a compras@example.com.",
        "Per questioni urgenti rivolgersi a Marco.",
        "Voor dringende zaken kunt u bellen met Jan.",
        "Em caso de urgência, contacte a Ana.",
    ],
)
def test_out_of_office_conditionals_are_no_urgency(text: str) -> None:
    assert urgency_cue(text) is None


def test_inflected_cues_count() -> None:
    assert urgency_cue("Wir haben eine dringende Bitte.") == "dringende"
    assert urgency_cue("Wij hebben een dringende vraag over S00042.") == "dringende"


@pytest.mark.parametrize("intent", ["spam", "auto_reply", "newsletter", "bounce"])
def test_automatic_mail_stays_low_whatever_it_says(intent: str) -> None:
    text = "URGENT: act immediately or we will take legal action. Line down!"
    assert assess_urgency(message_from_text(text), intent) == (Urgency.LOW, [f"intent {intent}"])


def test_legal_threat_does_not_override_a_standstill() -> None:
    level, reasons = _urgency("Line down! Our lawyer will contact you.")
    assert level is Urgency.CRITICAL and reasons == ["cue 'Line down'"]
