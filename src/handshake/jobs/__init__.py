"""Transactional outbox: jobs written with the change that caused them, run by a worker."""
