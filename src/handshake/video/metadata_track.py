"""Tags as a WebVTT metadata track: one cue per tag whose payload is a JSON object.

Any HTML5 player reads it with ``<track kind="metadata">`` and ``cuechange`` events. A cue
payload may hold neither a blank line nor ``-->``: the JSON is written on one line and its
``>`` characters escaped (``\\u003e``), which JSON readers decode back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrackCue:
    """One tag as the track carries it."""

    tag_id: str
    start_ms: int
    end_ms: int
    payload: dict[str, Any]


def timestamp(ms: int) -> str:
    """``83_250`` → ``00:01:23.250``."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _payload(document: dict[str, Any]) -> str:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace(">", "\\u003e")


def metadata_track(video_id: str, cues: Sequence[TrackCue]) -> str:
    """The WebVTT document of ``cues`` (sorted by start, as the format asks)."""
    blocks = [
        f"WEBVTT - product tags of video {video_id}",
        "NOTE\nEach cue is one product tag as a JSON object: tag_id, sku, variant_id,\n"
        "product_id, title, call_to_action and hotspots (boxes in normalised picture\n"
        "coordinates at times in milliseconds). Live prices: GET /partner/v1/videos/{id}/tags.",
    ]
    for cue in sorted(cues, key=lambda c: (c.start_ms, c.end_ms, c.tag_id)):
        timing = f"{timestamp(cue.start_ms)} --> {timestamp(cue.end_ms)}"
        blocks.append(f"{cue.tag_id}\n{timing}\n{_payload(cue.payload)}")
    return "\n\n".join(blocks) + "\n"
