"""Tag suggestions from captions: which products a video talks about, when, and how surely.

A matcher (the assistant's search when the assistant is installed, else plain text matching)
reads each caption, and each pair of neighbouring captions for names split across two cues,
and answers candidate products with the words of their names the passage says (words with
digits are left out unless said: nobody says "1.7 L"). A candidate whose words
said are a part of another's is dropped ("Brewell glass kettle" rules out the Vaporo glass
one). The confidence that the passage means a candidate is how specifically those words
point at it::

    confidence = support ÷ (number of candidates whose names hold every word said of it)

where support is 1 when two or more name words, or the whole name, are said, else ½. "The
Brewell glass kettle" names one product (1.0); "the glass kettle" fits two (0.5 each); "the
kettle" fits every kettle. Mentions of one product close in time merge into one suggested tag.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from handshake.db.uow import UnitOfWork
from handshake.video.captions import CaptionCue

BOUNDARY_WORDS = 4


@dataclass(frozen=True)
class NameMatch:
    """A product a passage names: the share of its name said, and the words that matched."""

    product_id: str
    coverage: float
    words: tuple[str, ...]
    name_words: frozenset[str] = frozenset()  # every word of every name of the product


class ProductMatcher(Protocol):
    """Finds the catalog products each passage names."""

    async def match(
        self, uow: UnitOfWork, passages: Sequence[str], language: str
    ) -> list[list[NameMatch]]:
        """Candidates of every passage, in passage order."""
        ...


@dataclass(frozen=True)
class SuggestionRules:
    """Thresholds of the suggestions (from ``settings.video``)."""

    min_confidence: float
    per_cue: int
    merge_gap_ms: int
    min_length_ms: int


@dataclass(frozen=True)
class Passage:
    """Text read for matching: one cue, or two neighbours (``first`` and ``last`` indexes)."""

    first: int
    last: int
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Mention:
    """A product said over a time range, with the confidence and the words it rests on."""

    product_id: str
    start_ms: int
    end_ms: int
    confidence: float
    words: tuple[str, ...]
    text: str


def passages_of(cues: Sequence[CaptionCue]) -> list[Passage]:
    """Every cue, then the words around each boundary between neighbouring cues (a name
    split over two cues ends one and starts the next)."""
    singles = [Passage(i, i, c.start_ms, c.end_ms, c.text) for i, c in enumerate(cues)]
    pairs = [
        Passage(i, i + 1, a.start_ms, b.end_ms,
                " ".join(a.text.split()[-BOUNDARY_WORDS:] + b.text.split()[:BOUNDARY_WORDS]))
        for i, (a, b) in enumerate(itertools.pairwise(cues))
    ]  # fmt: skip
    return singles + pairs


def confidence_of(candidate: NameMatch, candidates: Sequence[NameMatch]) -> float:
    """How specifically the words said of ``candidate`` point at it among ``candidates``."""
    said = set(candidate.words)
    if not said or any(said < set(other.words) for other in candidates):
        return 0.0  # nothing said, or another product explains more of the words said
    fitting = sum(1 for other in candidates if said <= (other.name_words or set(other.words)))
    support = 1.0 if candidate.coverage >= 1 or len(said) >= 2 else 0.5
    return support / max(fitting, 1)


def confident(candidates: Sequence[NameMatch], rules: SuggestionRules) -> list[Mention]:
    """The passage's candidates as confidences, best first, above the threshold."""
    scored = sorted(
        ((confidence_of(c, candidates), c) for c in candidates),
        key=lambda pair: (-pair[0], -pair[1].coverage, pair[1].product_id),
    )
    return [
        Mention(c.product_id, 0, 0, round(score, 4), c.words, "")
        for score, c in scored[: rules.per_cue]
        if score >= rules.min_confidence
    ]


def mentions_of(
    passages: Sequence[Passage], matches: Sequence[Sequence[NameMatch]], rules: SuggestionRules
) -> list[Mention]:
    """Products said in single cues, and those only a pair of cues names together."""
    single: dict[int, set[str]] = defaultdict(set)
    found: list[Mention] = []
    for passage, candidates in zip(passages, matches, strict=True):
        is_pair = passage.first != passage.last
        for mention in confident(candidates, rules):
            pid = mention.product_id
            if is_pair and (pid in single[passage.first] or pid in single[passage.last]):
                continue  # one of the two cues names it alone: that cue's mention is sharper
            if not is_pair:
                single[passage.first].add(pid)
            found.append(Mention(pid, passage.start_ms, passage.end_ms, mention.confidence,
                                 mention.words, passage.text))  # fmt: skip
    return found


def merged(mentions: Sequence[Mention], rules: SuggestionRules, duration_ms: int) -> list[Mention]:
    """One range per product and run of close mentions, at least ``min_length_ms`` long."""
    by_product: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_product[mention.product_id].append(mention)
    result: list[Mention] = []
    for product_mentions in by_product.values():
        run: list[Mention] = []
        for mention in sorted(product_mentions, key=lambda m: (m.start_ms, m.end_ms)):
            if run and mention.start_ms - max(m.end_ms for m in run) > rules.merge_gap_ms:
                result.append(_joined(run, rules, duration_ms))
                run = []
            run.append(mention)
        result.append(_joined(run, rules, duration_ms))
    return sorted(result, key=lambda m: (m.start_ms, -m.confidence, m.product_id))


def _joined(run: Sequence[Mention], rules: SuggestionRules, duration_ms: int) -> Mention:
    best = max(run, key=lambda m: m.confidence)
    start = min(m.start_ms for m in run)
    end = min(max(max(m.end_ms for m in run), start + rules.min_length_ms), duration_ms)
    texts = list(dict.fromkeys(m.text for m in run))
    return Mention(best.product_id, start, end, best.confidence, best.words, " … ".join(texts))


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open ranges share a moment."""
    return a_start < b_end and b_start < a_end


def product_names(titles: Sequence[list[str]], brand: list[str]) -> list[list[str]]:
    """A product's names as words: each non-empty title, alone and with the brand's words."""
    kept = [title for title in titles if title]
    return [*kept, *[title + [w for w in brand if w not in title] for title in kept]]


def name_coverage(said: set[str], name_words: Sequence[str]) -> tuple[float, tuple[str, ...]]:
    """The share of a name's words in ``said`` (words with digits count only when said, words
    of one letter never), and the words that matched."""
    counted = [
        w for w in dict.fromkeys(name_words)
        if len(w) > 1 and (not any(ch.isdigit() for ch in w) or w in said)
    ]  # fmt: skip
    if not counted:
        return 0.0, ()
    matched = tuple(w for w in counted if w in said)
    return len(matched) / len(counted), matched


@dataclass(frozen=True)
class VariantChoice:
    """A variant a suggestion may tag: its option words and whether it is in stock."""

    variant_id: str
    sku: str
    option_words: frozenset[str]
    in_stock: bool


def variant_for(said: set[str], variants: Sequence[VariantChoice]) -> VariantChoice | None:
    """The variant whose options the captions say most (white, 2 m…), in stock first."""
    if not variants:
        return None
    return min(variants, key=lambda v: (-len(v.option_words & said), not v.in_stock, v.sku))
