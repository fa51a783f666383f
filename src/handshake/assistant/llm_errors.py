"""Errors of the assistant's optional language model."""

from __future__ import annotations

from handshake.kernel.errors import Unavailable


class LanguageModelUnavailable(Unavailable):
    """The configured language model failed, timed out or answered something unreadable."""

    code = "language_model_unavailable"
    title = "Language model unavailable"
