"""Rules of a tag's place in the video: its time range and its hotspot key frames (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handshake.video.errors import InvalidHotspot, InvalidTagTiming

MAX_KEY_FRAMES = 60
# Rounding slack for boxes computed in floating point by an editor (x + w may be 1.0000001).
EDGE = 1e-6


@dataclass(frozen=True)
class KeyFrame:
    """Where the tagged product is at ``at_ms``: a box in normalised picture coordinates."""

    at_ms: int
    x: float
    y: float
    w: float
    h: float

    def as_document(self) -> dict[str, float | int]:
        """The stored and exported form."""
        return {"at_ms": self.at_ms, "x": self.x, "y": self.y, "w": self.w, "h": self.h}


def storable(text: str) -> bool:
    """Whether every database stores ``text`` as given: PostgreSQL refuses NUL in text and
    JSON, and lone surrogates cannot be encoded as UTF-8."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def check_range(start_ms: int, end_ms: int, duration_ms: int) -> None:
    """A forward, non-empty range inside the video, or ``InvalidTagTiming``."""
    if start_ms < 0:
        raise InvalidTagTiming("A tag cannot start before the video.", extra={"field": "start_ms"})
    if end_ms <= start_ms:
        raise InvalidTagTiming(
            "A tag must end after it starts.", extra={"field": "end_ms", "start_ms": start_ms}
        )
    if end_ms > duration_ms:
        raise InvalidTagTiming(
            f"A tag cannot end after the video ({duration_ms} ms).",
            extra={"field": "end_ms", "duration_ms": duration_ms},
        )


def _coordinate(value: float, name: str, index: int, *, positive: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or value > 1 or (positive and value <= 0):
        bound = "above 0 and at most 1" if positive else "between 0 and 1"
        raise InvalidHotspot(
            f"Key frame {index}: {name} must be {bound}.", extra={"index": index, "field": name}
        )
    return float(value)


def check_key_frames(frames: Sequence[KeyFrame], *, start_ms: int, end_ms: int) -> list[KeyFrame]:
    """Key frames inside the picture and the tag's range, strictly in time order."""
    if len(frames) > MAX_KEY_FRAMES:
        raise InvalidHotspot(f"At most {MAX_KEY_FRAMES} key frames per tag.")
    previous: int | None = None
    for index, frame in enumerate(frames):
        if not start_ms <= frame.at_ms <= end_ms:
            raise InvalidHotspot(
                f"Key frame {index} is outside the tag's range ({start_ms}–{end_ms} ms).",
                extra={"index": index, "field": "at_ms"},
            )
        if previous is not None and frame.at_ms <= previous:
            raise InvalidHotspot(
                f"Key frame {index} is not after the one before it.",
                extra={"index": index, "field": "at_ms"},
            )
        previous = frame.at_ms
        x, y = _coordinate(frame.x, "x", index), _coordinate(frame.y, "y", index)
        w = _coordinate(frame.w, "w", index, positive=True)
        h = _coordinate(frame.h, "h", index, positive=True)
        if x + w > 1 + EDGE or y + h > 1 + EDGE:
            raise InvalidHotspot(
                f"Key frame {index}'s box goes past the edge of the picture.",
                extra={"index": index},
            )
    return list(frames)


def key_frames_of(documents: Sequence[dict[str, Any]]) -> list[KeyFrame]:
    """Stored key frames back as values."""
    return [
        KeyFrame(int(d["at_ms"]), float(d["x"]), float(d["y"]), float(d["w"]), float(d["h"]))
        for d in documents
    ]
