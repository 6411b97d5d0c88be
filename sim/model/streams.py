"""Per-run random streams that do not depend on what runs beside them.

A run's seed is turned into a 64-bit key by numpy's SeedSequence. Its random numbers are the
SplitMix64 sequence started at that key (Steele, Lea & Flood 2014): number ``i`` is
``mix(key + (i + 1) * golden)``. Because number ``i`` is computed directly from ``(key, i)``,
a month's draws for a whole batch are one vectorised call, and a run gives the same numbers
alone, in a batch of 100,000, or in any order or process.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
_S30, _S27, _S31, _S11 = (np.uint64(n) for n in (30, 27, 31, 11))


def run_key(seed: int) -> np.uint64:
    """The 64-bit stream key of the run with this seed (numpy SeedSequence)."""
    return np.random.SeedSequence(int(seed)).generate_state(1, np.uint64)[0]


def run_keys(seeds: Iterable[int]) -> np.ndarray:
    """Stream keys for many seeds, as a uint64 array (each key computed once per distinct seed)."""
    seeds = np.asarray(list(seeds), dtype=np.int64)
    uniq, inverse = np.unique(seeds, return_inverse=True)
    keys = np.array([run_key(int(s)) for s in uniq], dtype=np.uint64)
    return keys[inverse.reshape(-1)]


def uniforms(keys: np.ndarray, start: int, count: int) -> np.ndarray:
    """Numbers ``start .. start+count-1`` of each run's stream, uniform on [0, 1): shape (runs, count)."""
    with np.errstate(over="ignore"):
        idx = np.arange(start + 1, start + count + 1, dtype=np.uint64) * _GOLDEN
        z = keys[:, None] + idx[None, :]
        tmp = np.empty_like(z)  # in-place steps: no temporary arrays (same numbers)
        np.bitwise_xor(z, np.right_shift(z, _S30, out=tmp), out=z)
        np.multiply(z, _M1, out=z)
        np.bitwise_xor(z, np.right_shift(z, _S27, out=tmp), out=z)
        np.multiply(z, _M2, out=z)
        np.bitwise_xor(z, np.right_shift(z, _S31, out=tmp), out=z)
        np.right_shift(z, _S11, out=z)
    out = z.astype(np.float64)
    out *= _TO_UNIT
    return out
