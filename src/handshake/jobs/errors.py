"""Errors of the jobs platform."""

from handshake.kernel.errors import Conflict, NotFound


class UnknownJob(NotFound):
    """No job with that id."""

    code = "job_not_found"


class JobNotDead(Conflict):
    """Only dead-lettered jobs can be retried by hand."""

    code = "job_not_dead"


class UnknownJobHandler(LookupError):
    """A job was enqueued under a name no domain registered (a programming error)."""
