"""Random streams: one generator per entity and purpose, derived from one seed by a stable key.

Keys are names such as ``"process/turning/housing_a/0"``. Because a stream depends only on the
seed, the replication and its own key, adding a station or an investment leaves every other
entity's random numbers unchanged: that is what makes common random numbers work.
"""

from __future__ import annotations

import hashlib

import numpy as np

from twin.spec.distributions import Sampler, blocks


def _key_words(key: str) -> tuple[int, int]:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little")


class Streams:
    """Factory of independent, reproducible generators for one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication

    def __call__(self, key: str) -> np.random.Generator:
        ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, *_key_words(key)))
        return np.random.Generator(np.random.PCG64(ss))


def uniform_sampler(rng: np.random.Generator) -> Sampler:
    """Fast draws of U(0, 1) from ``rng``, fetched in blocks like every other sampler."""
    return blocks(rng.random).__next__
