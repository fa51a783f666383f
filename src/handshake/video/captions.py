"""Captions as WebVTT: parsed with ``webvtt-py``, then held to the rules the library lets by.

The library skips a cue whose timing line it cannot read and accepts cues that end before
they start; a caption file that silently lost cues would hide products from the suggestions,
so both are refused here with the cue's line number.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from handshake.video.errors import InvalidCaptions

ARROW = "-->"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_STAMP = r"(?:[0-9]{2,}:)?[0-5][0-9]:[0-5][0-9]\.[0-9]{3}"
TIMING = re.compile(rf"{_STAMP}[ \t]+-->[ \t]+{_STAMP}(?:[ \t].*)?")


@dataclass(frozen=True)
class CaptionCue:
    """One caption: when it shows and its text without markup (voice, bold…) or character
    references (``&amp;`` is ``&``)."""

    start_ms: int
    end_ms: int
    text: str


def _lines(document: str) -> list[str]:
    """Lines as WebVTT counts them: broken at CR, LF and CRLF only (not at U+2028…)."""
    return LINE_BREAK.split(document)


def _timing_lines(document: str) -> list[int]:
    return [number for number, line in enumerate(_lines(document), 1) if ARROW in line]


def parse_captions(document: str, *, duration_ms: int | None = None) -> list[CaptionCue]:
    """The cues of a WebVTT document, in order; ``InvalidCaptions`` says what is wrong."""
    text = document.lstrip("\ufeff")
    try:
        parsed = webvtt.from_string(text)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise InvalidCaptions(f"Captions are not valid WebVTT: {exc}.") from None
    lines = _timing_lines(text)
    cues = [
        CaptionCue(
            c.start_time.in_milliseconds(),
            c.end_time.in_milliseconds(),
            html.unescape(c.text).strip(),
        )
        for c in parsed.captions
    ]
    if len(cues) != len(lines):
        unread = _first_unread(text, lines)
        raise InvalidCaptions(
            f"Line {unread} is not a WebVTT cue timing (hh:mm:ss.ttt --> hh:mm:ss.ttt).",
            extra={"line": unread},
        )
    for line, cue in zip(lines, cues, strict=True):
        if cue.end_ms <= cue.start_ms:
            raise InvalidCaptions(
                f"The cue at line {line} ends before it starts.", extra={"line": line}
            )
        if duration_ms is not None and cue.end_ms > duration_ms:
            raise InvalidCaptions(
                f"The cue at line {line} ends after the video ({cue.end_ms} ms > {duration_ms}).",
                extra={"line": line},
            )
    return cues


def _first_unread(document: str, lines: list[int]) -> int:
    """The line of the first timing the library could not read."""
    rows = _lines(document)
    for number in lines:
        if not TIMING.match(rows[number - 1].strip()):
            return number
    return lines[-1] if lines else 1


def transcript(cues: list[CaptionCue]) -> str:
    """The captions' words as running text (what a search over the video reads)."""
    return " ".join(cue.text.replace("\n", " ") for cue in cues)
