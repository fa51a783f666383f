"""Tags as a WebVTT metadata track: the exact document, and payloads any WebVTT reader gets back."""

from __future__ import annotations

import json
from typing import Any

import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from handshake.video.metadata_track import TrackCue, metadata_track, timestamp

HEADER = (
    "WEBVTT - product tags of video vid_1\n"
    "\n"
    "NOTE\n"
    "Each cue is one product tag as a JSON object: tag_id, sku, variant_id,\n"
    "product_id, title, call_to_action and hotspots (boxes in normalised picture\n"
    "coordinates at times in milliseconds). Live prices: GET /partner/v1/videos/{id}/tags.\n"
)


def _payloads(document: str) -> list[tuple[str | None, str, str, dict[str, Any]]]:
    """(identifier, start, end, payload) of every cue, read back with webvtt-py."""
    return [
        (cue.identifier, cue.start, cue.end, json.loads(cue.text))
        for cue in webvtt.from_string(document).captions
    ]


def test_timestamps_are_hours_minutes_seconds_and_milliseconds() -> None:
    assert [timestamp(ms) for ms in (0, 999, 61_500, 3_725_004)] == [
        "00:00:00.000", "00:00:00.999", "00:01:01.500", "01:02:05.004",
    ]  # fmt: skip


def test_two_cues_given_out_of_order_make_this_exact_document() -> None:
    late = TrackCue("vtag_b", 5000, 9000, {"title": "Kettle --> toaster", "sku": "BRW-TOAST"})
    early = TrackCue("vtag_a", 1000, 2500, {"sku": "BRW-GLASS", "hotspots": []})

    document = metadata_track("vid_1", [late, early])

    assert document == HEADER + (
        "\n"
        "vtag_a\n"
        "00:00:01.000 --> 00:00:02.500\n"
        '{"hotspots":[],"sku":"BRW-GLASS"}\n'
        "\n"
        "vtag_b\n"
        "00:00:05.000 --> 00:00:09.000\n"
        '{"sku":"BRW-TOAST","title":"Kettle --\\u003e toaster"}\n'
    )


def test_payloads_parse_back_to_the_same_objects() -> None:
    payload = {"title": "Bouilloire « rétro » -->\n\n<b>x</b> & co", "hotspots": [
        {"at_ms": 1000, "x": 0.25, "y": 0.5, "w": 0.125, "h": 0.75}]}  # fmt: skip
    document = metadata_track("vid_1", [TrackCue("vtag_a", 0, 1000, payload)])

    body = document.split("00:00:00.000 --> 00:00:01.000\n", 1)[1]
    assert "-->" not in body
    assert ">" not in body
    assert json.loads(body) == payload
    assert _payloads(document) == [("vtag_a", "00:00:00.000", "00:00:01.000", payload)]


def test_cues_starting_together_are_ordered_by_end_then_id() -> None:
    cues = [TrackCue("vtag_c", 1000, 3000, {}), TrackCue("vtag_b", 1000, 2000, {}),
            TrackCue("vtag_a", 1000, 3000, {})]  # fmt: skip
    assert [cue[0] for cue in _payloads(metadata_track("vid_1", cues))] == [
        "vtag_b", "vtag_a", "vtag_c",
    ]  # fmt: skip


def test_a_video_without_tags_still_makes_a_valid_track() -> None:
    document = metadata_track("vid_1", [])
    assert document == HEADER
    assert webvtt.from_string(document).captions == []


@settings(max_examples=200, deadline=None)
@given(
    titles=st.lists(st.text(), min_size=1, max_size=5),
    starts=st.lists(st.integers(0, 10 * 3_600_000), min_size=5, max_size=5),
)
def test_any_title_comes_back_from_a_webvtt_reader(titles: list[str], starts: list[int]) -> None:
    cues = [
        TrackCue(f"vtag_{i}", starts[i], starts[i] + 1 + i, {"title": title, "n": i})
        for i, title in enumerate(titles)
    ]

    read = _payloads(metadata_track("vid_1", cues))

    assert len(read) == len(cues)
    assert sorted((p["n"], p["title"]) for *_, p in read) == list(enumerate(titles))
    by_id = {identifier: (start, end) for identifier, start, end, _ in read}
    assert by_id == {c.tag_id: (timestamp(c.start_ms), timestamp(c.end_ms)) for c in cues}
