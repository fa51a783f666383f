"""Prometheus instruments of ad events."""

from prometheus_client import Counter

AD_EVENTS = Counter(
    "handshake_ad_events_total",
    "Ad events received from partners by outcome (accepted, duplicate, rejected)",
    ["outcome"],
)
AD_EVENTS_STORED = Counter(
    "handshake_ad_events_stored_total", "Ad events written to ad_events by the worker"
)
