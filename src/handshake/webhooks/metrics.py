"""Prometheus instruments of webhook deliveries."""

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter(
    "handshake_webhook_attempts_total",
    "Webhook delivery tries by outcome (succeeded, failed, throttled, gone, superseded)",
    ["outcome"],
)
ATTEMPT_LATENCY = Histogram(
    "handshake_webhook_attempt_seconds",
    "Time from sending a webhook to the end of its (truncated) response",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
