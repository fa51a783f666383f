"""Captions as WebVTT: cues in order with their markup stripped, and every way to refuse them."""

from __future__ import annotations

import pytest

from handshake.video.captions import CaptionCue, parse_captions, transcript
from handshake.video.errors import InvalidCaptions

MARKED_UP = (
    "\ufeffWEBVTT - kitchen morning\n"
    "\n"
    "STYLE\n"
    "::cue { color: yellow }\n"
    "\n"
    "NOTE the host speaks first\n"
    "over two lines\n"
    "\n"
    "intro\n"
    "01:02.500 --> 01:04.007 align:start line:90%\n"
    "<v Host>Water goes into the <b>Brewell</b> glass kettle\n"
    "<i>first</i>.\n"
    "\n"
    "2\n"
    "01:00:00.000 --> 01:00:01.001\n"
    "<v.loud Ann Lee>Then the <c.brand>Kettlo</c> <00:59:59.500>Travel</v>\n"
)


def _refusal(document: str, duration_ms: int | None = None) -> InvalidCaptions:
    with pytest.raises(InvalidCaptions) as caught:
        parse_captions(document, duration_ms=duration_ms)
    assert caught.value.code == "invalid_captions"
    return caught.value


def test_cues_lose_their_markup_and_keep_exact_milliseconds() -> None:
    cues = parse_captions(MARKED_UP, duration_ms=3_601_001)

    assert cues == [
        CaptionCue(62_500, 64_007, "Water goes into the Brewell glass kettle\nfirst."),
        CaptionCue(3_600_000, 3_601_001, "Then the Kettlo Travel"),
    ]


def test_the_transcript_runs_the_cues_together_on_one_line() -> None:
    assert transcript(parse_captions(MARKED_UP)) == (
        "Water goes into the Brewell glass kettle first. Then the Kettlo Travel"
    )
    assert transcript([]) == ""


def test_a_header_alone_has_no_cues_and_crlf_lines_are_read() -> None:
    assert parse_captions("WEBVTT\n") == []
    document = "WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nWindows\r\n"
    assert parse_captions(document) == [CaptionCue(1000, 2000, "Windows")]


def test_a_cue_may_end_exactly_at_the_end_of_the_video() -> None:
    document = "WEBVTT\n\n00:00:09.000 --> 00:00:10.000\nlast words\n"
    assert parse_captions(document, duration_ms=10_000) == [CaptionCue(9000, 10_000, "last words")]


def test_character_references_are_text_not_markup() -> None:
    # WebVTT escapes &, < and > in cue text; the cue's text is what a viewer reads.
    document = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSalt &amp; pepper &lt;3 &gt;\n"
    assert parse_captions(document) == [CaptionCue(1000, 2000, "Salt & pepper <3 >")]


@pytest.mark.parametrize("document", ["hello\n", "WEBVT\n\n00:01.000 --> 00:02.000\nx\n", ""])
def test_a_document_that_is_not_webvtt_is_refused(document: str) -> None:
    refused = _refusal(document)
    assert refused.detail == "Captions are not valid WebVTT: Invalid format."
    assert refused.extra == {}  # no line to point at: the header itself is wrong


@pytest.mark.parametrize(
    "timing", ["00:00:0x.000 --> 00:00:02.000", "1:2 --> 3", "00:00:03.000 --> 00:00:04"]
)
def test_an_unreadable_timing_line_is_refused_with_its_line(timing: str) -> None:
    document = f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n{timing}\nlost\n"
    refused = _refusal(document)
    assert refused.detail == "Line 6 is not a WebVTT cue timing (hh:mm:ss.ttt --> hh:mm:ss.ttt)."
    assert refused.extra == {"line": 6}


def test_an_unreadable_timing_after_good_cues_is_found_among_them() -> None:
    document = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\n\n00:00:03.000 --> 00:00:04.000\nb\n\n"
        "00:00:05.000 --> 6\nc\n\n00:00:07.000 --> 00:00:08.000\nd\n"
    )
    assert _refusal(document).extra == {"line": 9}


def test_an_arrow_inside_cue_text_is_refused_at_its_line() -> None:
    refused = _refusal("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA --> B\n")
    assert refused.extra == {"line": 4}


@pytest.mark.parametrize("end", ["00:00:02.000", "00:00:05.000"])
def test_a_cue_ending_before_or_when_it_starts_is_refused(end: str) -> None:
    document = f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:05.000 --> {end}\nx\n"
    refused = _refusal(document)
    assert refused.detail == "The cue at line 6 ends before it starts."
    assert refused.extra == {"line": 6}


def test_a_cue_ending_after_the_video_is_refused() -> None:
    document = "WEBVTT\n\nNOTE two\nlines\n\n00:00:05.000 --> 00:00:10.001\nx\n"
    refused = _refusal(document, duration_ms=10_000)
    assert refused.detail == "The cue at line 6 ends after the video (10001 ms > 10000)."
    assert refused.extra == {"line": 6}
    # Without a duration the same cue is fine.
    assert parse_captions(document) == [CaptionCue(5000, 10_001, "x")]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x0c", "\x85", "\x0b"])
def test_lines_are_counted_on_webvtt_line_breaks_only(separator: str) -> None:
    # WebVTT breaks lines on CR and LF only: a line separator in a note or a cue is text,
    # so the line an editor shows is the one to report.
    document = (
        f"WEBVTT\n\nNOTE a{separator}b\n\n00:00:01.000 --> 00:00:02.000\nc{separator}d\n\n"
        "00:00:05.000 --> 00:00:04.000\nx\n"
    )
    assert _refusal(document).extra == {"line": 8}
