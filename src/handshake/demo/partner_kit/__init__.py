"""What every demo partner app needs: its config, browser sessions, OAuth linking, webhooks.

Partner apps talk to handshake only over HTTP, like real partners; nothing here touches the
platform's database or services.
"""
