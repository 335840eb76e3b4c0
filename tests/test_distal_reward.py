"""Izhikevich (2007) distal reward, in the simulator with the paper's parameters."""

import pytest

from spikeflow.sim import Network

needs_numba = pytest.mark.skipif(
    Network().fast_unsupported_reason() is not None, reason="Numba not installed"
)


@needs_numba
def test_delayed_reward_selects_the_chosen_synapse():
    """40 simulated minutes (about a minute here): rewards 1-3 s after each n1 -> n2 pairing
    drive that synapse from 0 to the maximum of 4 mV, above 99 % of the other 80 000
    plastic synapses, whose mean falls (the full hour: benchmarks/distal_reward.py)."""
    from spikeflow.models.distal_reward import run_distal_reward

    r = run_distal_reward(2400.0, seed=1, sample_s=60.0)
    assert r.chosen[0] < 1.0 and r.chosen[-1] > 3.5
    assert r.rank_of_chosen() > 0.99
    assert r.others_mean[-1] < 0.8  # the rest do not grow
    assert len(r.reward_times_s) > 30
