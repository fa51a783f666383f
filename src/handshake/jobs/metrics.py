"""Prometheus instruments of the outbox."""

from prometheus_client import Counter, Gauge, Histogram

JOB_RUNS = Counter(
    "handshake_job_runs_total", "Job executions by name and outcome", ["name", "outcome"]
)
JOB_FAILURES = Counter(
    "handshake_job_failures_total", "Job executions that raised, by name", ["name"]
)
JOB_DEAD = Counter("handshake_jobs_dead_lettered_total", "Jobs dead-lettered, by name", ["name"])
JOB_QUEUE_DEPTH = Gauge("handshake_job_queue_depth", "Jobs in the outbox by status", ["status"])
JOB_DURATION = Histogram("handshake_job_duration_seconds", "Job handler run time", ["name"])
