"""The vectorised SeedSequence and PCG64 of sim.model.streams give numpy's numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.posterior import SALT, pair_uniforms
from sim.model.streams import first_uniforms, run_key, run_keys


def _values() -> np.ndarray:
    """Small seeds, both sides of 2**32 (one or two entropy words), 0 and the largest int64."""
    rng = np.random.default_rng(7)
    return np.concatenate([np.arange(0, 600), 2**32 + np.arange(-3, 3),
                           rng.integers(0, 2**63 - 1, 600, dtype=np.int64),
                           [2**31, 2**63 - 1]]).astype(np.int64)


def test_run_keys_are_numpys_seed_sequence():
    seeds = _values()
    expected = np.array([run_key(int(s)) for s in seeds], dtype=np.uint64)
    assert np.array_equal(run_keys(seeds), expected)
    assert run_keys([]).shape == (0,)


def test_a_negative_seed_is_refused_as_numpy_refuses_it():
    with pytest.raises(ValueError):
        run_keys([3, -1])


@pytest.mark.parametrize("salt", [None, SALT])
def test_first_uniforms_are_numpys_first_draw(salt):
    values = _values()
    expected = np.array([np.random.default_rng(int(v) if salt is None else [int(v), salt]).random()
                         for v in values])
    assert np.array_equal(first_uniforms(values, salt), expected)


def test_posterior_pairs_draw_as_they_did_one_generator_at_a_time():
    """Posterior.draw's uniforms: the formula of the manifests' rule, negative pairs masked."""
    pairs = np.concatenate([_values(), [-1, -2**40]])
    expected = np.array([np.random.default_rng([int(p) & (2**63 - 1), SALT]).random()
                         for p in pairs])
    assert np.array_equal(pair_uniforms(pairs), expected)
