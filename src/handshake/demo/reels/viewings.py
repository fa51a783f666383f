"""What a browser's session remembers of its viewings: who the viewer is (a random id, never
the session's cookie), how many viewings it had, and the tags of the videos it last watched
(what their ad events need), so impressions cost no extra call to the store."""

from __future__ import annotations

import secrets
from typing import Any

from handshake.demo.partner_kit.sessions import AppSession
from handshake.demo.reels.player import tag_ref

VIEWER, COUNT, REFS = "viewer", "viewings", "tag_refs"
MAX_VIDEOS = 10  # videos whose tags a session keeps (the oldest forgotten first)


def viewer(session: AppSession) -> str:
    """The browser's viewer id in event ids."""
    found: str = session.values.setdefault(VIEWER, secrets.token_hex(6))
    return found


def start(session: AppSession, video_id: str, tags: list[dict[str, Any]]) -> int:
    """A new viewing of ``video_id``: its number, and the tags remembered."""
    session.values[COUNT] = int(session.values.get(COUNT, 0)) + 1
    remember(session, video_id, tags)
    return int(session.values[COUNT])


def known(session: AppSession, viewing: Any) -> bool:
    """Whether ``viewing`` is one of this browser's viewings."""
    # type(), not isinstance(): JSON's true must not pass for viewing 1.
    return type(viewing) is int and 1 <= viewing <= int(session.values.get(COUNT, 0))


def remember(session: AppSession, video_id: str, tags: list[dict[str, Any]]) -> None:
    """Keep what ad events about the video's tags carry (fresh offers replace older ones)."""
    refs: dict[str, dict[str, Any]] = session.values.setdefault(REFS, {})
    refs.pop(video_id, None)  # re-added last: the most recently watched
    refs[video_id] = {str(tag["id"]): tag_ref(tag) for tag in tags}
    for old in list(refs)[:-MAX_VIDEOS]:
        del refs[old]


def ref(session: AppSession, video_id: str, tag_id: Any) -> dict[str, Any] | None:
    """What an ad event about a tag of a watched video carries (None: not shown here)."""
    tags = (session.values.get(REFS) or {}).get(video_id) or {}
    found = tags.get(tag_id) if isinstance(tag_id, str) else None
    return dict(found) if found is not None else None
