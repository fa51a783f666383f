"""Process roots: HTTP server, worker, CLI."""
