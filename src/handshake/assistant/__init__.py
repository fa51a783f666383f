"""AI shopping assistant: hybrid product search, a deterministic dialogue, typed tools."""
