"""A simulation on the fast CPU backend imports neither torch nor the trainable layers
(spikeflow._lazy); the reference backend still runs on torch, in float32 or float64."""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import spikeflow
from spikeflow._lazy import LazyModule, is_tensor
from spikeflow.neurons import CondLIFParams, LIFParams
from spikeflow.sim import Network

needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="needs Numba")

_SCRIPT = """
import json, sys
import spikeflow
from spikeflow.models.coba import run_coba
stats = run_coba(400, 50.0, seed=3, progress=False).statistics()
torch_loaded, nn_loaded = "torch" in sys.modules, "spikeflow.nn" in sys.modules
from spikeflow.neurons import cond_lif
stand_in = cond_lif.torch
stand_in.zeros(1)  # the first use imports torch and rebinds every spikeflow module to it
rebound = cond_lif.torch is sys.modules["torch"] and stand_in.ones is sys.modules["torch"].ones
print(json.dumps({"torch": torch_loaded, "nn": nn_loaded, "rebound": rebound,
                  "n_spikes": stats["n_spikes"], "version": spikeflow.__version__}))
"""


@needs_numba
def test_a_coba_run_on_the_fast_backend_never_imports_torch():
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["torch"] is False and result["nn"] is False and result["rebound"] is True
    assert result["n_spikes"] > 0 and result["version"] == spikeflow.__version__


def test_lazy_module_loads_on_first_use_and_then_serves_the_real_attributes():
    name = "colorsys"  # a standard-library module nothing here imports
    sys.modules.pop(name, None)
    lazy = LazyModule(name)
    assert name not in sys.modules and "not loaded" in repr(lazy)
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    real = sys.modules[name]
    assert lazy.hls_to_rgb is real.hls_to_rgb and "hls_to_rgb" in vars(lazy)
    with pytest.raises(AttributeError):
        lazy.no_such_function  # noqa: B018


def test_subpackages_load_on_attribute_access():
    assert spikeflow.nn.LIF is importlib.import_module("spikeflow.nn").LIF
    assert "nn" in dir(spikeflow) and "sim" in spikeflow.__all__
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        spikeflow.nope  # noqa: B018
    assert spikeflow.learning.accuracy is importlib.import_module("spikeflow.learning.losses").accuracy
    assert is_tensor(torch.zeros(1)) and not is_tensor(np.zeros(1))


def test_network_state_is_numpy_and_the_reference_backend_keeps_float32():
    net = Network(dt_ms=0.1, seed=0, dtype=torch.float32, backend="reference")
    pop = net.population(5, CondLIFParams(dt_ms=0.1))
    pop.set_state("v", torch.linspace(-60.0, -51.0, 5))
    assert pop.state.v.dtype == np.float32 and net.dtype == torch.float32
    net.run(2.0, progress=False)
    assert all(a.dtype == np.float32 for a in pop.state) and pop.buffer.dtype == np.float32
    assert Network(dtype="float64").float_dtype == np.float64


def test_bad_dtype_and_state_shape_are_refused():
    with pytest.raises(ValueError, match="dtype must be float32 or float64.*int32"):
        Network(dtype=torch.int32)
    pop = Network().population(4, LIFParams(dt_ms=0.1))
    with pytest.raises(ValueError, match=r"values for 'v' must be one value or 4, got shape \(3,\)"):
        pop.set_state("v", [1.0, 2.0, 3.0])
    pop.set_state("v", [-55.0])  # one value for all
    np.testing.assert_array_equal(pop.state.v, np.full(4, -55.0))


def test_subpackages_written_as_dotted_paths_load_on_first_use():
    # sf.models, sf.plot, sf.learning.convert, sf.learning.supervised raised AttributeError
    # until imported by hand; gymnasium imported first finds spikeflow/Forage-v0 once
    # spikeflow is imported
    script = """
import sys
import spikeflow as sf
assert "torch" not in sys.modules
assert sf.models.coba.run_coba and sf.models.cuba.run_cuba
assert "torch" not in sys.modules  # the simulator's models load without it
assert sf.models.lsm and sf.models.forager
assert sf.learning.supervised.fit_classifier and sf.learning.convert and sf.learning.readout
assert sf.io.write_nwb and sf.kernels.numba_available and sf.codegen
assert "plot" in dir(sf) and "models" in dir(sf)
import importlib.util
if importlib.util.find_spec("matplotlib"):
    assert sf.plot.raster
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    pytest.importorskip("gymnasium")
    script = """
import gymnasium as gym
import spikeflow
env = gym.make("spikeflow/Forage-v0")
env.reset(seed=0)
print(type(env.unwrapped).__name__)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ForageEnv"


@needs_numba
def test_a_cuba_run_on_its_specification_imports_neither_torch_nor_sympy():
    # CubaLIF is a specification: where its update is compiled ahead of time, its
    # constants and rest state come from the checked-in table (no parse, no torch)
    from spikeflow.sim import fast_compiled

    if fast_compiled.load() is None:
        pytest.skip(f"no compiled loop here ({fast_compiled.status()})")
    script = (
        "import sys\n"
        "from spikeflow.models.cuba import run_cuba\n"
        "r = run_cuba(400, 50.0, seed=3, progress=False)\n"
        "print(r.spikes.senders.size, *(m in sys.modules for m in ('torch', 'sympy', 'numba')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    n, torch_loaded, sympy_loaded, numba_loaded = out.split()
    assert int(n) > 0 and (torch_loaded, sympy_loaded, numba_loaded) == ("False", "False", "False")
