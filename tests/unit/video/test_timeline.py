"""A tag's place in the video: its range and its hotspot key frames, refused field by field."""

from __future__ import annotations

import math

import pytest

from handshake.video.errors import InvalidHotspot, InvalidTagTiming
from handshake.video.timeline import (
    EDGE,
    MAX_KEY_FRAMES,
    KeyFrame,
    check_key_frames,
    check_range,
    key_frames_of,
)


def _frame(at_ms: int = 2000, **box: float) -> KeyFrame:
    values = {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, **box}
    return KeyFrame(at_ms, values["x"], values["y"], values["w"], values["h"])


def _hotspot_refusal(frames: list[KeyFrame]) -> InvalidHotspot:
    with pytest.raises(InvalidHotspot) as caught:
        check_key_frames(frames, start_ms=1000, end_ms=5000)
    assert caught.value.code == "invalid_hotspot"
    return caught.value


def test_a_range_inside_the_video_passes_even_touching_both_ends() -> None:
    check_range(0, 10_000, 10_000)
    check_range(4000, 4001, 10_000)


@pytest.mark.parametrize(
    ("start", "end", "detail", "extra"),
    [
        (-1, 5000, "A tag cannot start before the video.", {"field": "start_ms"}),
        (5000, 5000, "A tag must end after it starts.", {"field": "end_ms", "start_ms": 5000}),
        (6000, 4000, "A tag must end after it starts.", {"field": "end_ms", "start_ms": 6000}),
        (6000, 10_001, "A tag cannot end after the video (10000 ms).",
         {"field": "end_ms", "duration_ms": 10_000}),
    ],
)  # fmt: skip
def test_a_range_outside_the_video_or_backwards_is_refused(
    start: int, end: int, detail: str, extra: dict[str, object]
) -> None:
    with pytest.raises(InvalidTagTiming) as caught:
        check_range(start, end, 10_000)
    assert (caught.value.code, caught.value.detail, caught.value.extra) == (
        "invalid_tag_timing", detail, extra,
    )  # fmt: skip


def test_key_frames_inside_the_range_and_the_picture_are_kept_as_given() -> None:
    frames = [
        KeyFrame(1000, 0.0, 0.0, 1.0, 1.0),
        KeyFrame(3000, 0.5, 0.25, 0.5, 0.75),
        # An editor's floating point may put the edge a hair past 1.
        KeyFrame(5000, 0.7, 0.9, 0.3 + EDGE / 2, 0.1 + EDGE / 2),
    ]
    assert check_key_frames(frames, start_ms=1000, end_ms=5000) == frames
    assert check_key_frames([], start_ms=1000, end_ms=5000) == []


@pytest.mark.parametrize("at_ms", [999, 5001])
def test_a_key_frame_outside_the_tags_range_is_refused(at_ms: int) -> None:
    refused = _hotspot_refusal([_frame(1000), _frame(at_ms)])
    assert refused.detail == "Key frame 1 is outside the tag's range (1000–5000 ms)."
    assert refused.extra == {"index": 1, "field": "at_ms"}


@pytest.mark.parametrize("second", [2000, 1500])
def test_key_frames_must_go_forward_in_time(second: int) -> None:
    refused = _hotspot_refusal([_frame(2000), _frame(second)])
    assert refused.detail == "Key frame 1 is not after the one before it."
    assert refused.extra == {"index": 1, "field": "at_ms"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("x", -0.01), ("x", 1.01), ("y", -1e-9), ("y", 1.5), ("x", math.nan), ("y", math.inf),
     ("x", -math.inf)],
)  # fmt: skip
def test_a_corner_outside_the_picture_is_refused(field: str, value: float) -> None:
    refused = _hotspot_refusal([_frame(2000, **{field: value})])
    assert refused.detail == f"Key frame 0: {field} must be between 0 and 1."
    assert refused.extra == {"index": 0, "field": field}


@pytest.mark.parametrize(
    ("field", "value"),
    [("w", 0.0), ("h", 0.0), ("w", -0.1), ("h", 1.01), ("w", math.nan), ("h", math.inf)],
)
def test_a_box_needs_a_size_above_zero_and_at_most_the_picture(field: str, value: float) -> None:
    refused = _hotspot_refusal([_frame(2000, **{field: value})])
    assert refused.detail == f"Key frame 0: {field} must be above 0 and at most 1."
    assert refused.extra == {"index": 0, "field": field}


@pytest.mark.parametrize(
    "box",
    [{"x": 0.8, "w": 0.3}, {"y": 0.5, "h": 0.6}, {"x": 0.7, "w": 0.3 + 2 * EDGE},
     {"y": 0.9, "h": 0.1 + 2 * EDGE}],
)  # fmt: skip
def test_a_box_going_past_the_edge_is_refused(box: dict[str, float]) -> None:
    refused = _hotspot_refusal([_frame(1000), _frame(3000, **box)])
    assert refused.detail == "Key frame 1's box goes past the edge of the picture."
    assert refused.extra == {"index": 1}


def test_the_first_wrong_key_frame_is_named() -> None:
    refused = _hotspot_refusal([_frame(1000), _frame(2000, x=2.0), _frame(1500)])
    assert refused.extra == {"index": 1, "field": "x"}


def test_at_most_sixty_key_frames() -> None:
    frames = [_frame(1000 + i) for i in range(MAX_KEY_FRAMES)]
    assert check_key_frames(frames, start_ms=1000, end_ms=5000) == frames

    refused = _hotspot_refusal([*frames, _frame(1000 + MAX_KEY_FRAMES)])
    assert refused.detail == "At most 60 key frames per tag."
    assert refused.extra == {}


def test_key_frames_round_trip_through_their_stored_documents() -> None:
    frames = [KeyFrame(1000, 0.0, 0.125, 1.0, 0.5), KeyFrame(4999, 0.25, 0.5, 0.75, 0.5)]
    documents = [frame.as_document() for frame in frames]

    assert documents == [
        {"at_ms": 1000, "x": 0.0, "y": 0.125, "w": 1.0, "h": 0.5},
        {"at_ms": 4999, "x": 0.25, "y": 0.5, "w": 0.75, "h": 0.5},
    ]
    assert key_frames_of(documents) == frames
    # Stored JSON may hand back integers for whole numbers: they come back as floats.
    [again] = key_frames_of([{"at_ms": 2000.0, "x": 0, "y": 1, "w": 1, "h": 0}])
    assert again == KeyFrame(2000, 0.0, 1.0, 1.0, 0.0)
    assert (type(again.at_ms), type(again.x)) == (int, float)
