"""What a shopper's message asks for, in French or English, and which shown product it means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handshake.catalog.search_text import normalise


class Intent(StrEnum):
    """The dialogue's moves."""

    CONFIRM_YES = "confirm_yes"
    DECLINE = "decline"
    RESET = "reset"
    BUY = "buy"
    ADD_TO_CART = "add_to_cart"
    SHOW_CART = "show_cart"
    COMPARE = "compare"
    QUESTION = "question"
    SEARCH = "search"
    GREETING = "greeting"


def _phrases(*items: str) -> re.Pattern[str]:
    words = "|".join(sorted((normalise(i) for i in items), key=len, reverse=True))
    return re.compile(rf"(?:^| )(?:{words})(?: |$)")


_YES = _phrases(
    "yes",
    "yep",
    "yeah",
    "ok",
    "okay",
    "sure",
    "confirm",
    "i confirm",
    "go ahead",
    "oui",
    "d accord",
    "ok pour moi",
    "je confirme",
    "vas y",
    "allez y",
    "c est bon",
)
_NO = _phrases(
    "no",
    "nope",
    "cancel",
    "don t",
    "do not",
    "stop",
    "non",
    "annule",
    "annuler",
    "pas maintenant",
    "laisse tomber",
    "not now",
)
_RESET = _phrases(
    "start over",
    "new search",
    "forget it",
    "reset",
    "recommencer",
    "recommence",
    "on recommence",
    "nouvelle recherche",
    "oublie",
)
_BUY = _phrases(
    "buy",
    "purchase",
    "order it",
    "order this",
    "check out",
    "checkout",
    "i ll take",
    "i will take",
    "acheter",
    "achete",
    "je prends",
    "je le prends",
    "je la prends",
    "commander",
    "commande le",
    "commande la",
    "passer commande",
    "je l achete",
)
_ADD = _phrases("add", "put", "ajoute", "ajouter", "mets", "mettre", "rajoute")
_CART = _phrases("my cart", "cart", "basket", "mon panier", "panier")
_COMPARE = _phrases(
    "compare",
    "comparison",
    "versus",
    "vs",
    "difference",
    "differences",
    "which one",
    "which is better",
    "help me decide",
    "help me choose",
    "comparer",
    "compare les",
    "comparaison",
    "lequel",
    "laquelle",
    "aide moi a choisir",
    "aide moi a decider",
    "quelle difference",
)
# Price wishes are searches, even phrased as a question about "it" ("le moins cher ?").
_PRICE_WISH = _phrases("cheapest", "least expensive", "lowest price", "cheaper", "most expensive",
                       "moins cher", "moins chere", "moins chers", "moins cheres", "plus cher",
                       "plus chere", "meilleur prix", "prix le plus bas")  # fmt: skip
_GREETING = _phrases("hello", "hi", "hey", "good morning", "bonjour", "salut", "bonsoir", "coucou")
_QUESTION_WORDS = _phrases(
    "does it",
    "does this",
    "is it",
    "is this",
    "can it",
    "how much does it",
    "how long",
    "how big",
    "what is the",
    "what s the",
    "which",
    "est ce que",
    "est il",
    "est elle",
    "a t il",
    "a t elle",
    "peut il",
    "peut elle",
    "quelle est",
    "quel est",
    "quels sont",
    "combien",
    "quelle",
    "quel",
    "fonctionne",
    "compatible",
)
_REFERENCE_IT = _phrases(
    "it",
    "il",
    "elle",
    "ca",
    "cela",
    "this one",
    "that one",
    "this",
    "that",
    "celui ci",
    "celle ci",
    "celui la",
    "celle la",
    "le",
    "la",
    "l",
    "ce produit",
    "this product",
)
_ORDINALS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, _phrases("first", "1st", "number 1", "no 1", "premier", "premiere", "le 1", "n 1", "1")),
    (1, _phrases("second", "2nd", "number 2", "no 2", "deuxieme", "seconde", "second", "le 2",
                 "n 2", "2")),
    (2, _phrases("third", "3rd", "number 3", "no 3", "troisieme", "le 3", "n 3", "3")),
    (3, _phrases("fourth", "4th", "number 4", "quatrieme", "le 4", "4")),
    (-1, _phrases("last", "last one", "dernier", "derniere")),
)  # fmt: skip
_QUANTITY = re.compile(
    r"(?:^| )(?:x ?|qty ?)?(\d{1,3}) ?(?:x|units?|pieces?|unites?|exemplaires?|fois)(?: |$)"
)


# Openings that say nothing about the product: kept out of what is searched and echoed.
_FILLERS = _phrases(
    "i need",
    "i want",
    "i would like",
    "i d like",
    "i m looking for",
    "i am looking for",
    "looking for",
    "show me",
    "do you have",
    "do you sell",
    "can you find",
    "find me",
    "je cherche",
    "je voudrais",
    "j aimerais",
    "il me faut",
    "j ai besoin d",
    "j ai besoin de",
    "avez vous",
    "vous avez",
    "montre moi",
    "montrez moi",
    "trouve moi",
    "un",
    "une",
    "a",
    "an",
    "some",
    "des",
    "du",
    "please",
    "s il vous plait",
    "s il te plait",
)


def without_fillers(need: str) -> str:
    """``need`` without openings such as "I need" or "je cherche" (normalised words)."""
    words = normalise(need)
    while (found := _FILLERS.match(words)) is not None and found.end() > 0:
        words = words[found.end() :].strip()
    return words


@dataclass(frozen=True)
class Reading:
    """A message understood: the intent, the shown product it points to, a quantity."""

    intent: Intent
    position: int | None = None  # index into the products shown last (-1: the last one)
    quantity: int = 1
    mentions_it: bool = False


def read_message(text: str, *, has_pending: bool, has_shown: bool) -> Reading:
    """The intent of ``text`` given what the conversation holds."""
    words = normalise(text)
    position = _position(words) if has_shown else None
    quantity = _quantity(words)
    mentions_it = bool(_REFERENCE_IT.search(words))
    reading = Reading(Intent.SEARCH, position, quantity, mentions_it)
    if _YES.search(words) and len(words.split()) <= 6:
        return _as(reading, Intent.CONFIRM_YES)  # a yes is never a search, pending or not
    if _RESET.search(words):
        return _as(reading, Intent.RESET)
    if has_pending and _NO.search(words) and len(words.split()) <= 6:
        return _as(reading, Intent.DECLINE)
    for pattern, intent in ((_BUY, Intent.BUY), (_COMPARE, Intent.COMPARE)):
        if pattern.search(words):
            return _as(reading, intent)
    if _ADD.search(words) and (_CART.search(words) or position is not None or mentions_it):
        return _as(reading, Intent.ADD_TO_CART)
    if _CART.search(words) and len(words.split()) <= 5:
        return _as(reading, Intent.SHOW_CART)
    asks_about_one = position is not None or mentions_it
    if has_shown and _is_question(text, words) and asks_about_one and not _PRICE_WISH.search(words):
        return _as(reading, Intent.QUESTION)
    if _GREETING.search(words) and len(words.split()) <= 3:
        return _as(reading, Intent.GREETING)
    return reading


def _as(reading: Reading, intent: Intent) -> Reading:
    return Reading(intent, reading.position, reading.quantity, reading.mentions_it)


def _is_question(text: str, words: str) -> bool:
    return "?" in text or bool(_QUESTION_WORDS.search(words))


def _position(words: str) -> int | None:
    for position, pattern in _ORDINALS:
        if pattern.search(words):
            return position
    return None


def _quantity(words: str) -> int:
    found = _QUANTITY.search(words)
    return max(1, min(int(found.group(1)), 1000)) if found else 1
