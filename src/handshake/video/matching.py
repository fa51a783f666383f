"""Which matcher reads captions for suggestions: the assistant's search when the assistant is
installed (it provides itself here at start-up), else the catalog text matcher.

The video domain sits below the assistant and cannot import it; the assistant, above, hands
its matcher down. Matchers are kept per application (per event bus), like other in-process
state, so two apps in one process (tests) never share one.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from handshake.kernel.events import EventBus
from handshake.video.tag_suggestions import ProductMatcher
from handshake.video.text_matcher import CatalogTextMatcher

_provided: WeakKeyDictionary[EventBus, ProductMatcher] = WeakKeyDictionary()


def provide_matcher(bus: EventBus, matcher: ProductMatcher) -> None:
    """Use ``matcher`` for the suggestions of the application ``bus`` belongs to."""
    _provided[bus] = matcher


def matcher_for(bus: EventBus) -> ProductMatcher:
    """The provided matcher, else text matching against the catalog."""
    return _provided.get(bus) or CatalogTextMatcher()
