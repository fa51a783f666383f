"""What the assistant says, in English and French. Figures come in as arguments, from tools."""

from __future__ import annotations

from typing import Any

from handshake.kernel.money import Money

_TEXTS: dict[str, tuple[str, str]] = {
    "greeting": (
        "Hello! Tell me what you are looking for — a product, a budget, a delivery date.",
        "Bonjour ! Dites-moi ce que vous cherchez : un produit, un budget, une date de livraison.",
    ),
    "found": ("Here is what I found:", "Voici ce que j'ai trouvé :"),
    "found_cheapest": ("The cheapest, from the catalog's prices:",
                       "Les moins chers, d'après les prix du catalogue :"),
    "nothing": ("Nothing in the catalog matches all of that.",
                "Rien dans le catalogue ne correspond à tout cela."),
    "nothing_relaxed": ("Nothing matches all of that; without the {dropped}, here is the closest:",
                        "Rien ne correspond à tout cela ; sans {dropped}, voici le plus proche :"),
    "clarify_attribute": ("To narrow it down: which {attribute} — {choices}?",
                          "Pour affiner : quel {attribute} — {choices} ?"),
    "clarify_budget": ("What is your budget? Prices here go from {low} to {high}.",
                       "Quel est votre budget ? Les prix vont de {low} à {high}."),
    "which_product": ("Which one do you mean? Say “the first”, “the second”…",
                      "Lequel voulez-vous dire ? Dites « le premier », « le deuxième »…"),
    "nothing_shown": ("Tell me what you are looking for first.",
                      "Dites-moi d'abord ce que vous cherchez."),
    "compare_intro": ("Side by side:", "Côte à côte :"),
    "top_pick": ("Top pick: {title} at {price}.", "Meilleur choix : {title} à {price}."),
    "budget_pick": ("Budget pick: {title} at {price}.", "Choix économique : {title} à {price}."),
    "upgrade_pick": ("Upgrade: {title} at {price}.", "Montée en gamme : {title} à {price}."),
    "differences": ("They differ on: {keys}.", "Ils diffèrent sur : {keys}."),
    "no_differences": ("The catalog lists the same characteristics for them.",
                       "Le catalogue leur donne les mêmes caractéristiques."),
    "answer_attribute": ("According to the catalog, {title} — {label}: {value}.",
                         "D'après la fiche du catalogue, {title} — {label} : {value}."),
    "answer_description": ("The catalog says about {title}: “{value}”",
                           "La fiche de {title} indique : « {value} »"),
    "answer_unknown": ("The catalog does not say that about {title}; I would rather not guess.",
                       "La fiche de {title} ne le précise pas ; je préfère ne pas deviner."),
    "added": ("Added {quantity} × {title}. Your cart: {total}.",
              "Ajouté : {quantity} × {title}. Votre panier : {total}."),
    "cart": ("Your cart: {lines}. Total {total}.", "Votre panier : {lines}. Total {total}."),
    "cart_empty": ("Your cart is empty.", "Votre panier est vide."),
    "out_of_stock": ("{title} is out of stock.", "{title} est en rupture de stock."),
    "substitutes": ("Similar products in stock:", "Des produits similaires en stock :"),
    "proposal": (
        "Ready to order {lines}: total {total} (delivery {shipping}){when}, to {address}, paid "
        "with {card}. Confirm to buy — nothing is bought until you do.",
        "Prêt à commander {lines} : total {total} (livraison {shipping}){when}, à {address}, "
        "payé avec {card}. Confirmez pour acheter : rien n'est acheté avant.",
    ),
    "proposal_blocked": ("I cannot prepare the order yet: {reasons}.",
                         "Je ne peux pas encore préparer la commande : {reasons}."),
    "confirm_with_button": (
        "To buy, confirm the order shown with its total (the Confirm button). A typed yes "
        "alone does not buy anything.",
        "Pour acheter, confirmez la commande affichée avec son total (bouton Confirmer). Un "
        "« oui » écrit seul n'achète rien.",
    ),
    "nothing_pending": ("Nothing is waiting for your confirmation. What are you looking for?",
                        "Rien n'attend votre confirmation. Que cherchez-vous ?"),
    "ordered": ("Done: order {order} placed, {total}.", "C'est fait : commande {order}, {total}."),
    "declined": ("OK, nothing was bought.", "D'accord, rien n'a été acheté."),
    "reset": ("Let's start again: what are you looking for?",
              "On recommence : que cherchez-vous ?"),
    "needs_sign_in": (
        "To {action}, sign in (or link your store account in this app) first.",
        "Pour {action}, connectez-vous (ou liez votre compte du magasin à cette application).",
    ),
    "not_granted": ("This app is not allowed to {action} for you.",
                    "Cette application n'a pas le droit de {action} pour vous."),
    "confirmation_invalid": ("That confirmation is no longer valid; let me prepare it again.",
                             "Cette confirmation n'est plus valable ; je la prépare à nouveau."),
    "failed": ("That did not work: {detail}", "Cela n'a pas fonctionné : {detail}"),
}  # fmt: skip

_ACTIONS = {
    "add_to_cart": ("add to a cart", "ajouter au panier"),
    "start_checkout": ("order", "commander"),
    "confirm_purchase": ("buy", "acheter"),
}
_BLOCKERS = {
    "no_address": ("add a delivery address to your account", "ajoutez une adresse de livraison"),
    "no_payment_method": ("save a payment card", "enregistrez une carte de paiement"),
}


def say(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in."""
    english, french = _TEXTS[key]
    return (french if lang == "fr" else english).format(**values)


def action(tool: str, lang: str) -> str:
    """What a tool does, as the end of "to …"."""
    english, french = _ACTIONS.get(tool, (tool, tool))
    return french if lang == "fr" else english


def blocker(code: str, lang: str) -> str:
    """Why checkout cannot proceed, in words."""
    english, french = _BLOCKERS.get(code, (code.replace("_", " "), code.replace("_", " ")))
    return french if lang == "fr" else english


def price(minor: int, currency: str, lang: str) -> str:
    """``19.99 EUR`` (``19,99 EUR`` in French)."""
    text = Money(minor, currency).format_plain()
    return text.replace(".", ",") if lang == "fr" else text


def listing(items: list[str], lang: str) -> str:
    """``a, b or c`` in the language."""
    if len(items) <= 1:
        return "".join(items)
    last = " ou " if lang == "fr" else " or "
    return ", ".join(items[:-1]) + last + items[-1]
