"""What the consent page and the consent center say, in the shopper's language (FR or EN).

Scope sentences live in ``partners.scopes``; this module adds what a link is *for* (its purpose,
derived from the partner's kind), what the partner will never get, and which scopes the shopper
may untick.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.partners.kinds import PartnerKind
from handshake.partners.scopes import get_scope

# Scopes without which a link makes no sense for the app; every other requested scope is an
# optional extra the shopper may untick on the consent page.
ESSENTIAL_SCOPES = frozenset({"profile", "offers", "devices.command"})


@dataclass(frozen=True)
class Sentence:
    """One sentence in both languages."""

    en: str
    fr: str

    def in_language(self, language: str) -> str:
        """The sentence in ``language`` (English unless French)."""
        return self.fr if language.lower().startswith("fr") else self.en


PURPOSES: dict[PartnerKind, tuple[str, Sentence]] = {
    PartnerKind.SOCIAL: (
        "shoppable_ads",
        Sentence(
            en="show you the store's offers in the app, at your price, and let you buy there",
            fr="vous montrer les offres de la boutique dans l'application, à votre prix, et "
            "vous permettre d'y acheter",
        ),
    ),
    PartnerKind.VIDEO: (
        "shoppable_video",
        Sentence(
            en="show you the products seen in videos, at your price, and let you buy them there",
            fr="vous montrer les produits vus dans les vidéos, à votre prix, et vous permettre "
            "de les y acheter",
        ),
    ),
    PartnerKind.ASSISTANT: (
        "shopping_assistant",
        Sentence(
            en="help you choose products and buy them when you confirm",
            fr="vous aider à choisir des produits et à les acheter quand vous confirmez",
        ),
    ),
    PartnerKind.DEVICE_MAKER: (
        "device_control",
        Sentence(
            en="connect your devices to the store's home assistant, as you decide",
            fr="connecter vos appareils à l'assistant maison de la boutique, comme vous le décidez",
        ),
    ),
}

NEVER_SHARED: dict[PartnerKind, tuple[Sentence, ...]] = {
    kind: (
        Sentence(
            en="your password, your e-mail address or your phone number",
            fr="votre mot de passe, votre adresse e-mail ou votre numéro de téléphone",
        ),
        Sentence(
            en="your postal address: the app only sees a delivery estimate",
            fr="votre adresse postale : l'application ne voit qu'une estimation de livraison",
        ),
        Sentence(
            en="your card number: payment stays with the store",
            fr="votre numéro de carte : le paiement reste chez la boutique",
        ),
        Sentence(
            en="orders you placed elsewhere than in this app",
            fr="les commandes que vous avez passées ailleurs que dans cette application",
        ),
    )
    for kind in PartnerKind
}

HOW_TO_REVOKE = Sentence(
    en="You can unlink this app at any time under My account → Linked apps; it then loses "
    "access immediately.",
    fr="Vous pouvez délier cette application à tout moment dans Mon compte → Applications "
    "liées ; elle perd alors l'accès immédiatement.",
)


def purpose_of(kind: PartnerKind) -> str:
    """The purpose code recorded on grants to a partner of ``kind``."""
    return PURPOSES[kind][0]


def describe_purpose(kind: PartnerKind, language: str) -> str:
    """The purpose of a link to a partner of ``kind``, as a sentence."""
    return PURPOSES[kind][1].in_language(language)


def describe_scope(name: str, language: str) -> str:
    """The shopper-facing sentence of scope ``name`` (the name itself if unknown)."""
    scope = get_scope(name)
    return scope.describe(language) if scope else name


def never_shared(kind: PartnerKind, language: str) -> list[str]:
    """What a partner of ``kind`` never receives, as sentences."""
    return [sentence.in_language(language) for sentence in NEVER_SHARED[kind]]


def is_optional(scope: str) -> bool:
    """Whether the shopper may untick ``scope`` on the consent page."""
    return scope not in ESSENTIAL_SCOPES


KIND_LABELS: dict[PartnerKind, Sentence] = {
    PartnerKind.SOCIAL: Sentence(en="social network", fr="réseau social"),
    PartnerKind.VIDEO: Sentence(en="video app", fr="application vidéo"),
    PartnerKind.ASSISTANT: Sentence(en="shopping assistant", fr="assistant d'achat"),
    PartnerKind.DEVICE_MAKER: Sentence(en="device maker", fr="fabricant d'appareils"),
}

EVENT_SENTENCES: dict[str, Sentence] = {
    "linked": Sentence(en="You linked the app.", fr="Vous avez lié l'application."),
    "scopes_added": Sentence(en="You allowed more access.", fr="Vous avez autorisé davantage."),
    "unlinked": Sentence(en="You unlinked the app.", fr="Vous avez délié l'application."),
    "revoked_by_partner": Sentence(
        en="The app ended the link from its side.", fr="L'application a mis fin au lien."
    ),
    "revoked_by_operator": Sentence(
        en="The store ended the link.", fr="La boutique a mis fin au lien."
    ),
    "revoked_by_system": Sentence(
        en="The link ended automatically.", fr="Le lien a pris fin automatiquement."
    ),
    "tokens_revoked": Sentence(
        en="Access was cut for safety: a one-time credential of the app was used twice.",
        fr="L'accès a été coupé par sécurité : un identifiant à usage unique de l'application "
        "a été utilisé deux fois.",
    ),
    "offer_viewed": Sentence(
        en="The app showed you the store's offers.",
        fr="L'application vous a montré des offres de la boutique.",
    ),
    "order_placed": Sentence(
        en="You placed an order through the app.",
        fr="Vous avez passé une commande via l'application.",
    ),
}


def describe_kind(kind: str, language: str) -> str:
    """What sort of app a partner of ``kind`` is, in words."""
    try:
        return KIND_LABELS[PartnerKind(kind)].in_language(language)
    except ValueError:
        return kind


def describe_event(kind: str, language: str) -> str:
    """A plain sentence for a link event of ``kind`` (its code when unknown)."""
    sentence = EVENT_SENTENCES.get(kind)
    return sentence.in_language(language) if sentence else kind
