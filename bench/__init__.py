"""Benchmarks of handshake, each measured against a baseline in the same run (``make bench``)."""
