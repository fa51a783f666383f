"""The scope registry: what a partner may ask a shopper for, in words the shopper understands.

Account linking shows :meth:`Scope.describe` on the consent page and refuses scopes that are not
allowed for the partner's kind. Each sentence completes "This app will be able to see or do: …"
and must stay honest about what actually flows, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handshake.partners.kinds import PartnerKind

SHOPPING_KINDS = frozenset({PartnerKind.SOCIAL, PartnerKind.VIDEO, PartnerKind.ASSISTANT})
ALL_KINDS = frozenset(PartnerKind)
DEVICE_KINDS = frozenset({PartnerKind.DEVICE_MAKER})
LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Scope:
    """One OAuth scope: its name, the partner kinds allowed to request it, its wording."""

    name: str
    kinds: frozenset[PartnerKind]
    en: str
    fr: str

    def describe(self, language: str) -> str:
        """The shopper-facing sentence in ``language`` (English for unknown languages)."""
        return self.fr if language.lower().startswith("fr") else self.en

    def allowed_for(self, kind: PartnerKind) -> bool:
        """Whether a partner of ``kind`` may request this scope."""
        return kind in self.kinds


_REGISTRY: tuple[Scope, ...] = (
    Scope(
        name="profile",
        kinds=ALL_KINDS,
        en="your name and membership status",
        fr="votre nom et votre statut de membre",
    ),
    Scope(
        name="offers",
        kinds=SHOPPING_KINDS,
        en="your prices, stock and delivery estimate to your address",
        fr="vos prix, le stock et l'estimation de livraison à votre adresse",
    ),
    Scope(
        name="checkout",
        kinds=SHOPPING_KINDS,
        en="buy with your saved address and card — every purchase still needs your tap",
        fr=(
            "acheter avec votre adresse et votre carte enregistrées — chaque achat attend "
            "toujours votre validation"
        ),
    ),
    Scope(
        name="orders",
        kinds=SHOPPING_KINDS,
        en="status of orders placed through this app",
        fr="le statut des commandes passées via cette application",
    ),
    Scope(
        name="devices.command",
        kinds=DEVICE_KINDS,
        en=(
            "pass your commands to your devices, and share a device's state with the store "
            "only in reply to a command you give"
        ),
        fr=(
            "transmettre vos commandes à vos appareils, et partager l'état d'un appareil avec "
            "la boutique uniquement en réponse à une commande que vous donnez"
        ),
    ),
    Scope(
        name="devices.query",
        kinds=DEVICE_KINDS,
        en=(
            "share your devices' current state with the store whenever the store asks, even "
            "when you give no command"
        ),
        fr=(
            "partager l'état actuel de vos appareils avec la boutique chaque fois qu'elle le "
            "demande, même sans commande de votre part"
        ),
    ),
    Scope(
        name="devices.stream",
        kinds=DEVICE_KINDS,
        en=("share every change of your devices' state with the store continuously, as it happens"),
        fr=(
            "partager en continu avec la boutique chaque changement d'état de vos appareils, "
            "dès qu'il se produit"
        ),
    ),
)

SCOPES: dict[str, Scope] = {scope.name: scope for scope in _REGISTRY}


def get_scope(name: str) -> Scope | None:
    """The registered scope called ``name``, or None."""
    return SCOPES.get(name)


def scopes_for_kind(kind: PartnerKind) -> list[str]:
    """Names of the scopes a partner of ``kind`` may request, in registry order."""
    return [scope.name for scope in _REGISTRY if scope.allowed_for(kind)]


def unknown_scopes(names: Iterable[str]) -> list[str]:
    """The names that are not registered scopes."""
    return [name for name in names if name not in SCOPES]


def scopes_not_allowed(kind: PartnerKind, names: Iterable[str]) -> list[str]:
    """The registered scopes among ``names`` that a partner of ``kind`` may not request."""
    return [name for name in names if name in SCOPES and not SCOPES[name].allowed_for(kind)]
