"""Tag suggestions from captions: passages, confidence of the words said, merging, variants."""

from __future__ import annotations

import pytest

from handshake.video.captions import CaptionCue
from handshake.video.tag_suggestions import (
    BOUNDARY_WORDS,
    Mention,
    NameMatch,
    Passage,
    SuggestionRules,
    VariantChoice,
    confidence_of,
    confident,
    mentions_of,
    merged,
    name_coverage,
    overlaps,
    passages_of,
    variant_for,
)

RULES = SuggestionRules(min_confidence=0.5, per_cue=2, merge_gap_ms=6000, min_length_ms=4000)
BREWELL_GLASS = frozenset({"brewell", "glass", "kettle", "bouilloire", "en", "verre"})
VAPORO_GLASS = frozenset({"vaporo", "glass", "kettle", "bouilloire", "en", "verre"})
BREWELL_STEEL = frozenset({"brewell", "steel", "kettle", "bouilloire", "inox"})


def _match(
    pid: str, coverage: float, *words: str, names: frozenset[str] = frozenset()
) -> NameMatch:
    return NameMatch(pid, coverage, words, names)


def _mention(pid: str, start: int, end: int, confidence: float = 1.0, text: str = "t") -> Mention:
    return Mention(pid, start, end, confidence, ("w",), text)


# --- passages ------------------------------------------------------------------------------


def test_passages_are_the_cues_then_the_words_around_each_boundary() -> None:
    cues = [
        CaptionCue(1000, 4000, "one two three four five six"),
        CaptionCue(5000, 8000, "seven eight\nnine ten eleven"),
        CaptionCue(9000, 9500, "twelve"),
    ]

    assert BOUNDARY_WORDS == 4
    assert passages_of(cues) == [
        Passage(0, 0, 1000, 4000, "one two three four five six"),
        Passage(1, 1, 5000, 8000, "seven eight\nnine ten eleven"),
        Passage(2, 2, 9000, 9500, "twelve"),
        Passage(0, 1, 1000, 8000, "three four five six seven eight nine ten"),
        Passage(1, 2, 5000, 9500, "eight nine ten eleven twelve"),
    ]


def test_no_cues_no_passages_and_one_cue_no_pair() -> None:
    assert passages_of([]) == []
    assert passages_of([CaptionCue(0, 1, "a")]) == [Passage(0, 0, 0, 1, "a")]


# --- confidence ----------------------------------------------------------------------------


def test_two_name_words_said_of_one_product_only_are_certain() -> None:
    brewell_glass = _match("brw-glass", 0.67, "brewell", "glass", names=BREWELL_GLASS)
    vaporo_glass = _match("vap-glass", 0.5, "glass", names=VAPORO_GLASS)
    brewell_steel = _match("brw-steel", 0.33, "brewell", names=BREWELL_STEEL)
    candidates = [vaporo_glass, brewell_steel, brewell_glass]

    assert confidence_of(brewell_glass, candidates) == 1.0
    # "glass" and "brewell" alone are explained better by the Brewell glass kettle.
    assert confidence_of(vaporo_glass, candidates) == 0.0
    assert confidence_of(brewell_steel, candidates) == 0.0


def test_words_fitting_two_products_split_the_confidence() -> None:
    brewell = _match("brw-glass", 0.67, "glass", "kettle", names=BREWELL_GLASS)
    vaporo = _match("vap-glass", 0.67, "glass", "kettle", names=VAPORO_GLASS)

    assert confidence_of(brewell, [brewell, vaporo]) == 0.5
    assert confidence_of(vaporo, [brewell, vaporo]) == 0.5


def test_one_word_that_is_the_whole_counted_name_is_certain() -> None:
    toaster = _match("brw-toast", 1.0, "toaster", names=frozenset({"toaster", "brewell"}))
    assert confidence_of(toaster, [toaster]) == 1.0


@pytest.mark.parametrize("fitting", [1, 2, 3])
def test_one_word_that_is_part_of_a_name_is_half_sure_over_those_it_fits(fitting: int) -> None:
    said = [_match(f"p{i}", 0.5, "glass", names=BREWELL_GLASS) for i in range(fitting)]
    # A candidate whose names lack the word does not share the confidence.
    other = _match("steel", 0.5, "kettle", names=BREWELL_STEEL)

    assert confidence_of(said[0], [*said, other]) == 0.5 / fitting


def test_without_name_words_a_candidates_matched_words_stand_for_its_names() -> None:
    a = _match("a", 0.5, "glass")
    b = _match("b", 0.5, "glass")
    c = _match("c", 0.5, "steel")
    assert confidence_of(a, [a, b, c]) == 0.25


def test_a_candidate_with_no_words_said_has_no_confidence() -> None:
    empty = _match("a", 0.0)
    assert confidence_of(empty, [empty]) == 0.0


def test_confident_keeps_the_best_per_cue_above_the_threshold() -> None:
    glass = _match("brw-glass", 0.67, "brewell", "glass", names=BREWELL_GLASS)
    half_a = _match("z-half", 0.5, "kettle", "steel", names=BREWELL_STEEL | {"steel"})
    half_b = _match("a-half", 0.5, "kettle", "steel", names=BREWELL_STEEL)
    third = _match("third", 0.5, "inox", names=frozenset({"inox", "bouilloire"}))
    candidates = [third, half_a, glass, half_b]

    assert confident(candidates, RULES) == [
        Mention("brw-glass", 0, 0, 1.0, ("brewell", "glass"), ""),
        Mention("a-half", 0, 0, 0.5, ("kettle", "steel"), ""),
    ]
    wide = SuggestionRules(min_confidence=0.1, per_cue=4, merge_gap_ms=0, min_length_ms=0)
    assert [(m.product_id, m.confidence) for m in confident(candidates, wide)] == [
        ("brw-glass", 1.0), ("a-half", 0.5), ("z-half", 0.5), ("third", 0.1667),
    ]  # fmt: skip
    strict = SuggestionRules(min_confidence=0.6, per_cue=4, merge_gap_ms=0, min_length_ms=0)
    assert [m.product_id for m in confident(candidates, strict)] == ["brw-glass"]
    assert confident([], RULES) == []


def test_equal_confidences_are_ordered_by_coverage_then_id() -> None:
    a = _match("b-id", 0.5, "glass", "kettle", names=BREWELL_GLASS)
    b = _match("a-id", 0.4, "glass", "kettle", names=VAPORO_GLASS)
    c = _match("c-id", 0.5, "glass", "kettle", names=BREWELL_GLASS)
    wide = SuggestionRules(min_confidence=0.1, per_cue=3, merge_gap_ms=0, min_length_ms=0)
    assert [m.product_id for m in confident([b, c, a], wide)] == ["b-id", "c-id", "a-id"]


# --- mentions ------------------------------------------------------------------------------


def test_a_pair_names_only_what_neither_of_its_cues_names_alone() -> None:
    cues = [CaptionCue(1000, 3000, "the Brewell glass kettle and the Vaporo"),
            CaptionCue(4000, 6000, "Tempo kettle")]  # fmt: skip
    passages = passages_of(cues)
    brewell = _match("brw-glass", 0.67, "brewell", "glass", names=BREWELL_GLASS)
    tempo = _match("vap-tempo", 1.0, "vaporo", "tempo")
    matches = [[brewell], [], [brewell, tempo]]

    assert mentions_of(passages, matches, RULES) == [
        Mention("brw-glass", 1000, 3000, 1.0, ("brewell", "glass"), cues[0].text),
        Mention("vap-tempo", 1000, 6000, 1.0, ("vaporo", "tempo"),
                "kettle and the Vaporo Tempo kettle"),
    ]  # fmt: skip


def test_a_pair_mention_is_skipped_when_the_later_cue_names_the_product() -> None:
    cues = [CaptionCue(0, 1000, "look"), CaptionCue(2000, 3000, "the Kettlo Travel")]
    travel = _match("ktl-travel", 1.0, "kettlo", "travel")

    mentions = mentions_of(passages_of(cues), [[], [travel], [travel]], RULES)

    assert [(m.product_id, m.start_ms, m.end_ms) for m in mentions] == [("ktl-travel", 2000, 3000)]


def test_a_weak_single_does_not_hide_a_confident_pair() -> None:
    cues = [CaptionCue(0, 1000, "the glass"), CaptionCue(2000, 3000, "Brewell one")]
    weak = _match("brw-glass", 0.5, "glass", names=BREWELL_GLASS)
    other = _match("vap-glass", 0.5, "glass", names=VAPORO_GLASS)
    sure = _match("brw-glass", 0.67, "glass", "brewell", names=BREWELL_GLASS)

    mentions = mentions_of(passages_of(cues), [[weak, other], [], [sure]], RULES)

    assert [(m.product_id, m.start_ms, m.end_ms, m.confidence) for m in mentions] == [
        ("brw-glass", 0, 3000, 1.0),
    ]


# --- merging -------------------------------------------------------------------------------


def test_close_mentions_of_a_product_merge_and_far_ones_do_not() -> None:
    mentions = [
        _mention("a", 1000, 2000, 0.5, "first"),
        _mention("a", 8000, 9000, 1.0, "second"),  # 6000 ms after: merged (gap = limit)
        _mention("a", 15_001, 16_000, 0.5, "third"),  # 6001 ms after: a new tag
        _mention("a", 3000, 4000, 0.5, "first"),  # same text: said once in the evidence
    ]

    assert merged(mentions, RULES, duration_ms=60_000) == [
        Mention("a", 1000, 9000, 1.0, ("w",), "first … second"),
        Mention("a", 15_001, 19_001, 0.5, ("w",), "third"),
    ]


def test_short_mentions_last_the_minimum_but_not_past_the_video() -> None:
    mentions = [_mention("a", 1000, 2000), _mention("b", 28_000, 29_000)]
    assert [(m.start_ms, m.end_ms) for m in merged(mentions, RULES, duration_ms=30_000)] == [
        (1000, 5000), (28_000, 30_000),
    ]  # fmt: skip


def test_the_first_best_mention_gives_its_words() -> None:
    first = Mention("a", 0, 5000, 1.0, ("brewell", "glass"), "x")
    second = Mention("a", 5000, 9000, 1.0, ("glass", "kettle"), "y")
    [joined] = merged([second, first], RULES, duration_ms=60_000)
    assert (joined.words, joined.text, joined.end_ms) == (("brewell", "glass"), "x … y", 9000)


def test_merged_tags_are_ordered_by_start_then_confidence_then_product() -> None:
    mentions = [_mention("c", 5000, 9000, 1.0), _mention("b", 1000, 5000, 0.5),
                _mention("a", 1000, 5000, 0.5), _mention("d", 1000, 5000, 1.0)]  # fmt: skip
    assert [m.product_id for m in merged(mentions, RULES, duration_ms=60_000)] == [
        "d", "a", "b", "c",
    ]  # fmt: skip
    assert merged([], RULES, duration_ms=60_000) == []


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [((0, 10), (10, 20), False), ((0, 10), (9, 20), True), ((5, 6), (0, 100), True),
     ((10, 20), (0, 10), False), ((0, 10), (20, 30), False), ((3, 8), (3, 8), True)],
)  # fmt: skip
def test_ranges_overlap_only_when_they_share_a_moment(
    a: tuple[int, int], b: tuple[int, int], expected: bool
) -> None:
    assert overlaps(*a, *b) is expected


# --- name coverage -------------------------------------------------------------------------

NAME = ["brewell", "glass", "kettle", "1500w", "l", "glass"]


def test_name_coverage_counts_plain_words_said_or_not() -> None:
    assert name_coverage({"brewell", "glass"}, NAME) == (2 / 3, ("brewell", "glass"))
    assert name_coverage({"glass", "kettle", "brewell"}, NAME) == (
        1.0, ("brewell", "glass", "kettle"),
    )  # fmt: skip
    assert name_coverage({"vaporo"}, NAME) == (0.0, ())


def test_digits_count_only_when_said_one_letter_words_never() -> None:
    assert name_coverage({"brewell", "glass", "1500w"}, NAME) == (
        0.75, ("brewell", "glass", "1500w"),
    )  # fmt: skip
    assert name_coverage({"glass", "l"}, NAME) == (1 / 3, ("glass",))


def test_a_name_with_nothing_to_count_has_no_coverage() -> None:
    assert name_coverage({"x", "l"}, ["20", "l"]) == (0.0, ())
    assert name_coverage(set(), []) == (0.0, ())


# --- variants ------------------------------------------------------------------------------

BLACK = VariantChoice("var_b", "KTL-RETRO-BLK", frozenset({"black"}), in_stock=True)
WHITE = VariantChoice("var_w", "KTL-RETRO-WHT", frozenset({"white"}), in_stock=False)
CREAM = VariantChoice("var_c", "KTL-RETRO-CRM", frozenset({"cream"}), in_stock=True)
LONG = VariantChoice("var_l", "CBL-2M-WHT", frozenset({"white", "2", "m"}), in_stock=False)


def test_the_option_words_said_choose_the_variant_even_out_of_stock() -> None:
    assert variant_for({"the", "white", "kettle"}, [BLACK, WHITE, CREAM]) == WHITE
    assert variant_for({"white", "2", "m"}, [WHITE, LONG]) == LONG


def test_without_options_said_in_stock_comes_first_then_sku_order() -> None:
    assert variant_for({"kettle"}, [WHITE, CREAM, BLACK]) == BLACK
    assert variant_for({"kettle"}, [WHITE, CREAM]) == CREAM
    assert variant_for({"kettle"}, [WHITE, LONG]) == LONG
    assert variant_for({"kettle"}, []) is None
