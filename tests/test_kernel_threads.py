"""The fused CPU kernels' threads: they follow torch's thread count, give the same results
on any number of threads, and a fork-based pool whose workers call a fused layer after
the parent ran one completes (it hung: GNU OpenMP terminates such workers)."""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from spikeflow import kernels, nn

pytestmark = pytest.mark.skipif(not kernels.numba_available(), reason="Numba is not installed")


def _run(layer, x):  # noqa: ANN001, ANN202
    x = x.clone().requires_grad_(True)
    out = layer(x)
    (out * torch.linspace(0.5, 1.5, out.shape[-1])).sum().backward()
    return out.detach(), x.grad


@pytest.mark.parametrize("cls", [nn.LIF, nn.SynapticLIF, nn.ALIF])
def test_kernels_follow_torch_threads_and_give_the_same_results_on_any_count(cls):
    import numba

    before = torch.get_num_threads()
    layer = cls(tau_mem_ms=8.0, backend="fused")
    x = torch.rand(30, 4, 700, generator=torch.Generator().manual_seed(3)) * 0.6
    try:
        results = {}
        for n in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            torch.set_num_threads(n)
            results[n] = _run(layer, x)
            assert numba.get_num_threads() == n
    finally:
        torch.set_num_threads(before)
    first, *others = results.values()
    for other in others:
        for a, b in zip(first, other):
            assert torch.equal(a, b)
    assert first[0].sum() > 0


def test_the_first_kernel_launch_leaves_torch_thread_count_as_set():
    # in a fresh process: starting Numba's OpenMP pool once reset torch's count to the pool
    # size, so `--threads 1` trained on every core after the first batch
    script = textwrap.dedent(
        """
        import torch
        torch.set_num_threads(1)
        import numba
        from spikeflow.nn import LIF
        x = torch.rand(20, 8, 64, generator=torch.Generator().manual_seed(1), requires_grad=True)
        LIF(tau_mem_ms=10.0, backend="fused")(x).sum().backward()
        print(torch.get_num_threads(), numba.get_num_threads())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fork_pool_after_the_parent_ran_a_fused_layer_completes_with_the_same_results():
    script = textwrap.dedent(
        """
        import multiprocessing as mp, warnings
        import torch
        from spikeflow.nn import LIF
        layer = LIF(tau_mem_ms=10.0)
        x = torch.rand(20, 8, 64, generator=torch.Generator().manual_seed(1))
        def work(_):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = float(layer(x).sum())
            return out, [str(w.message) for w in caught]
        if __name__ == "__main__":
            parent = work(0)[0]
            with mp.get_context("fork").Pool(2) as pool:
                results = pool.map(work, range(4))
            assert all(r[0] == parent for r in results), (parent, results)
            print("ok", parent, results[0][1][:1])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")
    nn.LIF(backend="fused")(torch.rand(2, 1, 4))  # a launch here tells which layer Numba uses
    if kernels.threads._gnu_openmp():  # the PyPI wheels' layer (known once a kernel ran): workers say why
        assert "forked from one that had run the fused CPU kernels" in done.stdout
