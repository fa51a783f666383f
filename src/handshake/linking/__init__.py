"""Account linking: the OAuth 2.0 authorization server, consent, grants and receipts."""
