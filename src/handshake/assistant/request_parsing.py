"""A shopper's chat message (French or English) read as free-text need plus hard filters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TypeVar

from handshake.assistant.constraints import Constraints
from handshake.assistant.date_phrases import read_deadline
from handshake.assistant.price_phrases import read_price_wishes
from handshake.catalog.search_text import normalise

Span = tuple[int, int]
Token = tuple[str, int, int]  # lower-case word, start, end in the folded text
Option = tuple[str, str]  # option key, value, both as the catalog spells them
_V = TypeVar("_V")

_FOLD_SPECIAL = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O"}
_FOLD_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "–": "-", "—": "-"})
_STOCK = re.compile(
    r"\b(?:in[- ]stock|available\s+(?:now|today|immediately|right\s+now)|immediately\s+available|"
    r"ready\s+to\s+ship|en\s+stock|disponibles?(?:\s+(?:tout\s+de\s+suite|immediatement|"
    r"maintenant))?|dispos?)\b",
    re.IGNORECASE,
)
_OPTION_KEYS_ANY_LENGTH = frozenset({"colour", "color", "couleur", "size", "taille", "pointure"})
_SIZE_KEYS = frozenset({"size", "taille", "pointure"})
_SIZE_CUES = frozenset({"size", "taille", "pointure", "en", "in", "t"})
# French and English forms of each colour; a message word maps to the catalog's own value.
_COLOURS = (
    ("black", "noir", "noire", "noirs", "noires"),
    ("white", "blanc", "blanche", "blancs", "blanches"),
    ("grey", "gray", "gris", "grise", "grises"),
    ("red", "rouge", "rouges"),
    ("blue", "bleu", "bleue", "bleus", "bleues"),
    ("green", "vert", "verte", "verts", "vertes"),
    ("yellow", "jaune", "jaunes"),
    ("pink", "rose", "roses"),
    ("brown", "marron", "marrons", "brun", "brune", "bruns", "brunes"),
    ("beige", "beiges"),
    ("silver", "argent", "argente", "argentee", "argentes", "argentees"),
    ("gold", "golden", "or", "dore", "doree", "dores", "dorees"),
    ("orange", "oranges"),
    ("purple", "violet", "violette", "violets", "violettes"),
)
# "or" (and, in English and French) and "argent" (money) are colours only after these words.
_COLOUR_NEEDS_CUE = frozenset({"or", "argent"})
_COLOUR_CUES = frozenset({"en", "couleur", "coloris", "colour", "color"})


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A brand spelled like a common word ("On", "Up") counts only as the catalog spells it.
_COMMON_WORDS = _word_set(
    "a an the on in at to for of and or up go be it is le la les un une de du des et ou en au "
    "aux sur pour avec sans one new all more plus top"
)
# Words before a category that make it what the product goes with, not what it is.
_COMPANION_WORDS = frozenset({"for", "pour", "compatible", "fits", "fit", "with", "avec"})
_FILLER_WORDS = _word_set(
    "my a an the your his her our their mon ma mes le la les un une son sa ses votre vos notre "
    "nos l d"
)
# Words left hanging once the phrase after (or before) them is cut out: "shoes that are [in stock]".
_DANGLING_BEFORE_CUT = _word_set(
    "and et or ou with avec but mais which that who qui que is are est sont be etre to for pour "
    "at of de d"
)
_DANGLING_AFTER_CUT = _word_set("and et or ou but mais which that who qui que is are est sont")
_FRENCH = _word_set(
    "le la les un une des du de pour avec sans moins plus que qui et je j cherche veux voudrais "
    "besoin pas cher chere entre jusqu demain est mon ma mes sous au aux il elle quel quelle "
    "bonjour merci svp taille couleur cadeau livre avant ici cette semaine prix meilleur dans "
    "sur ou noir blanc en solde soldes ce livraison aujourd"
)
_ENGLISH = _word_set(
    "the a an for with without less more than and i want need looking cheap between under over "
    "tomorrow is my in of to by please what which hello thanks size colour color black white "
    "gift best price this week up at least some any me show find"
)
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "XOF", "XAF", "UGX"})


@dataclass(frozen=True)
class CatalogVocabulary:
    """The words a catalog uses: brands, category names, option values, currency."""

    brands: tuple[str, ...]
    categories: Mapping[str, tuple[str, ...]]  # category path -> its names in EN and FR
    option_values: Mapping[str, tuple[str, ...]]  # option key -> values, as the catalog has them
    currency: str = "EUR"

    @cached_property
    def _index(self) -> _VocabularyIndex:
        return _VocabularyIndex(self)


@dataclass(frozen=True)
class ParsedRequest:
    """What a message asks: text for search, hard filters and price wishes."""

    need: str
    constraints: Constraints
    wants_cheapest: bool
    budget_hint: bool
    wants_best: bool
    language: str

    @property
    def wants_most_expensive(self) -> bool:
        """Same as ``wants_best``: top of the range, "haut de gamme"."""
        return self.wants_best


def parse_request(
    text: str, vocabulary: CatalogVocabulary, *, today: date, language: str | None = None
) -> ParsedRequest:
    """Read ``text`` into the need, its hard filters and price wishes."""
    folded, origin = _fold(text)
    deadline = read_deadline(folded, today)
    working = _blank(folded, deadline.spans)
    minor_per_major = 1 if vocabulary.currency.upper() in _ZERO_DECIMAL_CURRENCIES else 100
    prices = read_price_wishes(working, minor_per_major)
    working = _blank(working, prices.spans)
    stock_spans = [match.span() for match in _STOCK.finditer(working)]
    working = _blank(working, stock_spans)
    tokens = [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", working)]
    index = vocabulary._index
    constraints = Constraints(
        max_price_minor=prices.max_minor,
        min_price_minor=prices.min_minor,
        brands=index.brands_in(tokens, working),
        categories=index.categories_in(tokens),
        options=index.options_in(tokens),
        in_stock=bool(stock_spans),
        deliver_by=deadline.deliver_by,
        member_deals=prices.member_deals,
    )
    removed = [*deadline.spans, *prices.spans, *stock_spans]
    return ParsedRequest(
        need=_need(text, origin, removed),
        constraints=constraints,
        wants_cheapest=prices.wants_cheapest,
        budget_hint=prices.budget_hint,
        wants_best=prices.wants_best,
        language=language or _guess_language(text),
    )


class _VocabularyIndex:
    """The catalog's words keyed by their normalised word sequences, built once per vocabulary."""

    def __init__(self, vocabulary: CatalogVocabulary) -> None:
        self.brands: dict[tuple[str, ...], set[str]] = {}
        for brand in vocabulary.brands:
            words = tuple(normalise(brand).split())
            for spelling in {words, ("".join(words),)}:
                if spelling != ("",):
                    self.brands.setdefault(spelling, set()).add(brand)
        self.categories: dict[tuple[str, ...], set[str]] = {}
        for path, names in vocabulary.categories.items():
            for name in (*names, path.rstrip("/").rsplit("/", 1)[-1]):
                words = tuple(_stem(word) for word in normalise(name).split())
                if len("".join(words)) >= 2:
                    self.categories.setdefault(words, set()).add(path)
        self.options: dict[tuple[str, ...], set[Option]] = {}
        self.sizes: dict[tuple[str, ...], set[Option]] = {}
        for key, values in vocabulary.option_values.items():
            self._add_option_values(key, values)

    def _add_option_values(self, key: str, values: Iterable[str]) -> None:
        key_words = set(normalise(key).split())
        colour_or_size = bool(key_words & _OPTION_KEYS_ANY_LENGTH)
        for value in values:
            words = tuple(normalise(value).split())
            if not words:
                continue
            if key_words & _SIZE_KEYS:
                self.sizes.setdefault(words, set()).add((key, value))
            if len("".join(words)) >= (2 if colour_or_size else 3):
                self.options.setdefault(words, set()).add((key, value))
            for forms in _COLOURS if len(words) == 1 else ():
                if words[0] in forms:
                    for form in forms:
                        self.options.setdefault((form,), set()).add((key, value))

    def brands_in(self, tokens: list[Token], folded: str) -> frozenset[str]:
        """The catalog brands named in the message."""
        found: set[str] = set()
        for start, length, brands in _longest_matches([t[0] for t in tokens], self.brands):
            spoken = folded[tokens[start][1] : tokens[start + length - 1][2]]
            for brand in brands:
                if normalise(brand) in _COMMON_WORDS and spoken != _fold(brand)[0]:
                    continue
                found.add(brand)
        return frozenset(found)

    def categories_in(self, tokens: list[Token]) -> frozenset[str]:
        """The category paths the message clearly asks for (most specific ones only)."""
        words = [token[0] for token in tokens]
        stems = [_stem(word) for word in words]
        matched: list[set[str]] = []
        every: set[str] = set()  # companions too: "accessories for my phone" names the parent
        for start, _length, paths in _longest_matches(stems, self.categories):
            every |= paths
            before = [w for w in words[max(0, start - 3) : start] if w not in _FILLER_WORDS]
            if not (before and before[-1] in _COMPANION_WORDS):
                matched.append(paths)
        chosen: set[str] = set()
        for paths in matched:
            # A name several unrelated categories share is clear only if a parent was also named.
            narrowed = paths if len(paths) == 1 else {p for p in paths if _has_ancestor(p, every)}
            if len(narrowed) == 1:
                chosen |= narrowed
        return frozenset(p for p in chosen if not any(_is_ancestor(p, o) for o in chosen))

    def options_in(self, tokens: list[Token]) -> dict[str, frozenset[str]]:
        """The option values (colour, size…) named in the message, by option key."""
        words = [token[0] for token in tokens]
        found: dict[str, set[str]] = {}
        position = 0
        while position < len(words):
            options, length = self._option_at(words, position)
            for key, value in options:
                found.setdefault(key, set()).add(value)
            position += max(length, 1)
        return {key: frozenset(values) for key, values in found.items()}

    def _option_at(self, words: list[str], position: int) -> tuple[set[Option], int]:
        if words[position] in _SIZE_CUES:
            after_cue = _longest_at(words, position + 1, self.sizes)
            if after_cue:
                return after_cue[1], after_cue[0] + 1
        found = _longest_at(words, position, self.options)
        if found is None:
            return set(), 1
        length, options = found
        cue = words[position - 1] if position else ""
        if length == 1 and words[position] in _COLOUR_NEEDS_CUE and cue not in _COLOUR_CUES:
            return set(), 1
        return options, length


def _longest_matches(
    words: list[str], table: Mapping[tuple[str, ...], set[str]]
) -> list[tuple[int, int, set[str]]]:
    """Left to right, the longest word sequence of ``table`` at each place (no overlaps)."""
    matches, position = [], 0
    while position < len(words):
        found = _longest_at(words, position, table)
        if found:
            matches.append((position, found[0], found[1]))
        position += found[0] if found else 1
    return matches


def _longest_at(
    words: list[str], position: int, table: Mapping[tuple[str, ...], set[_V]]
) -> tuple[int, set[_V]] | None:
    # Six words cover any brand or category name a shopper would type.
    for length in range(min(6, len(words) - position), 0, -1):
        entry = table.get(tuple(words[position : position + length]))
        if entry:
            return length, entry
    return None


def _stem(word: str) -> str:
    """A word without its plural ending, so "locks"/"lock" and "bijoux"/"bijou" meet."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if len(word) > 3 and ((word.endswith("s") and not word.endswith("ss")) or word.endswith("ux")):
        return word[:-1]
    return word


def _is_ancestor(path: str, other: str) -> bool:
    return other != path and other.startswith(path.rstrip("/") + "/")


def _has_ancestor(path: str, paths: set[str]) -> bool:
    return any(_is_ancestor(other, path) for other in paths)


def _fold(text: str) -> tuple[str, list[int]]:
    """Accent-free text with case kept, and for each of its characters the original index."""
    characters: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text.translate(_FOLD_PUNCTUATION)):
        if char in _FOLD_SPECIAL:
            plain = _FOLD_SPECIAL[char]
        elif char.isspace():
            plain = " "
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            plain = "".join(c for c in decomposed if not unicodedata.combining(c)) or char
        characters.extend(plain)
        origin.extend([index] * len(plain))
    return "".join(characters), origin


def _blank(text: str, spans: Iterable[Span]) -> str:
    characters = list(text)
    for start, end in spans:
        characters[start:end] = " " * (end - start)
    return "".join(characters)


def _need(text: str, origin: list[int], removed: Iterable[Span]) -> str:
    """The message without the removed phrases, tidied for text search."""
    keep = [True] * len(text)
    for start, end in removed:
        for index in range(origin[start], origin[end - 1] + 1):
            keep[index] = False
    marked = "".join(char if keep[i] else "\0" for i, char in enumerate(text))
    pieces = [piece.split() for piece in re.split("\0+", marked)]
    for number, words in enumerate(pieces):
        while number < len(pieces) - 1 and words and _hangs(words[-1], _DANGLING_BEFORE_CUT):
            words.pop()
        while number > 0 and words and _hangs(words[0], _DANGLING_AFTER_CUT):
            words.pop(0)
    kept = " ".join(word for words in pieces for word in words)
    kept = re.sub(r"\s+([,.;:!?)])", r"\1", kept)
    return re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", kept).strip(" ,;:-")


def _hangs(word: str, dangling: frozenset[str]) -> bool:
    plain = normalise(word)
    return not plain or plain in dangling


def _guess_language(text: str) -> str:
    """ "fr" or "en", from the words of the message (English when nothing tells)."""
    words = normalise(text).split()
    french = sum(word in _FRENCH for word in words)
    french += 2 * bool(re.search(r"[àâçéèêëîïôûùüÿœ]", text.lower()))
    english = sum(word in _ENGLISH for word in words)
    return "fr" if french > english else "en"
