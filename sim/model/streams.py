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
    """Stream keys for many seeds, as a uint64 array: :func:`run_key` of each, all at once."""
    seeds = np.asarray(list(seeds), dtype=np.int64)
    if (seeds < 0).any():
        return np.array([run_key(int(s)) for s in seeds], dtype=np.uint64)  # numpy's error
    words = _seed_state(_entropy(seeds, None), 2)  # run_key for all seeds at once
    return words[:, 0].astype(np.uint64) | (words[:, 1].astype(np.uint64) << np.uint64(32))


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


# --- numpy's SeedSequence and PCG64, vectorised ----------------------------------------------
# For many small seeds at once, the numbers numpy gives one seed at a time (a SeedSequence and
# a Generator per seed cost about 8 µs): the same algorithms, bit for bit (numpy/random/
# bit_generator.pyx and pcg64.h), over arrays. tests/test_streams.py checks them against numpy.

_M32 = np.uint64(0xFFFFFFFF)
_INIT_A, _MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
_INIT_B, _MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_X16 = np.uint32(16)
_POOL = 4
_PCG_MULT = (np.uint64(0x2360ED051FC65DA4), np.uint64(0x4385DF649FCCF645))  # high, low


def _entropy(values: np.ndarray, salt: int | None) -> np.ndarray:
    """The entropy words numpy makes of ``[value, salt]`` (or ``value``): each non-negative
    integer as its 32-bit words, least significant first (0 is one word), padded to the pool
    size with zeros; shape (n, 4)."""
    v = np.asarray(values, dtype=np.int64)
    if (v < 0).any():
        raise ValueError("SeedSequence entropy must be non-negative")
    u = v.astype(np.uint64)
    lo, hi = (u & _M32).astype(np.uint32), (u >> np.uint64(32)).astype(np.uint32)
    two = hi > 0
    words = np.zeros((len(v), _POOL), dtype=np.uint32)
    words[:, 0] = lo
    words[two, 1] = hi[two]
    if salt is not None:
        words[np.arange(len(v)), np.where(two, 2, 1)] = np.uint32(salt)
    return words


def _seed_state(entropy: np.ndarray, n_words: int) -> np.ndarray:
    """``SeedSequence(entropy).generate_state(n_words, np.uint32)`` for each row of ``entropy``
    (at most four words each, zero-padded: zeros past the entropy hash the same as the pool's
    own padding)."""
    with np.errstate(over="ignore"):
        const = _INIT_A

        def hashmix(value: np.ndarray) -> np.ndarray:
            nonlocal const
            value = value ^ const
            const = np.uint32(const * _MULT_A)
            value = value * const
            return value ^ (value >> _X16)

        def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            r = _MIX_L * x - _MIX_R * y
            return r ^ (r >> _X16)

        pool = [hashmix(entropy[:, i]) for i in range(_POOL)]
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        const = _INIT_B
        out = np.empty((len(entropy), n_words), dtype=np.uint32)
        for i in range(n_words):
            value = pool[i % _POOL] ^ const
            const = np.uint32(const * _MULT_B)
            value = value * const
            out[:, i] = value ^ (value >> _X16)
    return out


def _mul128(ah: np.ndarray, al: np.ndarray, bh: np.uint64, bl: np.uint64
            ) -> tuple[np.ndarray, np.ndarray]:
    """(a * b) mod 2**128 of 128-bit numbers given as (high, low) uint64 halves."""
    a0, a1 = al & _M32, al >> np.uint64(32)
    b0, b1 = bl & _M32, bl >> np.uint64(32)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> np.uint64(32)) + (p01 & _M32) + (p10 & _M32)
    low = (p00 & _M32) | ((mid & _M32) << np.uint64(32))
    high = p11 + (p01 >> np.uint64(32)) + (p10 >> np.uint64(32)) + (mid >> np.uint64(32))
    return high + ah * bl + al * bh, low


def _add128(ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    low = al + bl
    return ah + bh + (low < al).astype(np.uint64), low


def first_uniforms(values: np.ndarray, salt: int | None = None) -> np.ndarray:
    """``np.random.default_rng([v, salt]).random()`` (or ``default_rng(v)`` without a salt)
    for each non-negative int64 ``v``, bit for bit: SeedSequence → PCG64 → one double."""
    state = _seed_state(_entropy(values, salt), 8)
    s64 = state[:, 0::2].astype(np.uint64) | (state[:, 1::2].astype(np.uint64) << np.uint64(32))
    with np.errstate(over="ignore"):
        init_h, init_l = s64[:, 0], s64[:, 1]
        inc_h = (s64[:, 2] << np.uint64(1)) | (s64[:, 3] >> np.uint64(63))
        inc_l = (s64[:, 3] << np.uint64(1)) | np.uint64(1)
        zero = np.zeros_like(init_h)
        h, lo = _add128(zero, zero, inc_h, inc_l)  # step from state 0: 0 * mult + inc
        h, lo = _add128(h, lo, init_h, init_l)
        h, lo = _add128(*_mul128(h, lo, *_PCG_MULT), inc_h, inc_l)
        h, lo = _add128(*_mul128(h, lo, *_PCG_MULT), inc_h, inc_l)  # the first draw's step
        x, rot = h ^ lo, h >> np.uint64(58)
        out = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return (out >> np.uint64(11)).astype(np.float64) * 2.0**-53
