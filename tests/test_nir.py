"""NIR export and import: spikeflow round trips, files, and a peer (snnTorch) running the
exported graph with the same spikes."""

import math

import pytest
import torch
from torch import nn

import spikeflow as sf

nir = pytest.importorskip("nir")
from spikeflow.io import TimeFold, export_nir, import_nir, write_nir  # noqa: E402


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(6, 8), sf.nn.LIF(tau_mem_ms=5.0, dt_ms=0.1, reset="subtract"),
        nn.Linear(8, 5), sf.nn.SynapticLIF(tau_mem_ms=4.0, tau_syn_ms=2.0, dt_ms=0.1),
        nn.Linear(5, 3, bias=False), sf.nn.LI(tau_mem_ms=3.0, dt_ms=0.1),
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["exact", "euler"])
def test_round_trip_through_nir_keeps_the_network(mode):
    net = _mlp()
    graph = export_nir(net, (6,), time_constants=mode)
    kinds = [type(n).__name__ for n in graph.nodes.values()]
    assert kinds == ["Input", "Affine", "LIF", "Affine", "CubaLIF", "Linear", "LI", "Output"]
    assert graph.nodes["1"].metadata["reset"] == "subtract"
    back = import_nir(graph)
    assert back[1].params.tau_mem_ms == pytest.approx(5.0, rel=1e-12)
    assert back[3].params.tau_syn_ms == pytest.approx(2.0, rel=1e-12)
    x = torch.rand(60, 4, 6) * 2
    assert torch.equal(net(x), back(x))


def test_euler_time_constants_give_the_exact_decay():
    graph = export_nir(nn.Sequential(sf.nn.LIF(tau_mem_ms=5.0, dt_ms=0.1)), (3,), time_constants="euler")
    tau = float(graph.nodes["0"].tau[0])
    assert 1 - 0.1e-3 / tau == pytest.approx(math.exp(-0.1 / 5.0), rel=1e-12)
    assert tau * 1e3 == pytest.approx(5.0 + 0.05, abs=1e-3)  # about tau + dt/2


def test_conv_flatten_if_round_trip_and_file(tmp_path):
    torch.manual_seed(1)
    net = nn.Sequential(
        TimeFold(nn.Conv2d(1, 4, 3, padding=1)), TimeFold(nn.Flatten()), nn.Linear(100, 3),
        sf.nn.LIF(tau_mem_ms=math.inf, dt_ms=1.0, reset="value"),
    )  # fmt: skip
    with torch.no_grad():
        net[2].bias.fill_(0.4)  # the integrate-and-fire neurons do fire
    graph = export_nir(net, (1, 5, 5))
    assert type(graph.nodes["3"]).__name__ == "IF"
    write_nir(graph, tmp_path / "net.nir")
    back = import_nir(nir.read(tmp_path / "net.nir"))
    x = torch.rand(10, 2, 1, 5, 5) * 2
    y = net(x)
    assert y.sum() > 0 and torch.equal(y, back(x))


def test_snntorch_runs_the_exported_graph_with_the_same_spikes():
    pytest.importorskip("nirtorch")
    import_nir_snntorch = pytest.importorskip("snntorch.import_nir")
    torch.manual_seed(0)
    # snnTorch imports NIR at dt = 0.1 ms with forward Euler and resets to zero: export
    # with Euler time constants at that dt and a reset to 0
    kw = {"tau_mem_ms": 5.0, "dt_ms": 0.1, "reset": "value", "v_reset": 0.0}
    net = nn.Sequential(nn.Linear(6, 8), sf.nn.LIF(**kw), nn.Linear(8, 5), sf.nn.LIF(**kw))
    x = torch.rand(200, 4, 6) * 4
    peer = import_nir_snntorch.import_from_nir(export_nir(net, (6,), time_constants="euler"))
    with torch.no_grad():
        out = [peer(xt) for xt in x]
    ys = torch.stack([y[0] if isinstance(y, tuple) else y for y in out])
    ref = net(x)
    assert 0.02 < float(ref.mean()) < 0.5
    assert torch.equal(ys, ref)


def test_export_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 1 \(ReLU\) cannot be exported to NIR"):
        export_nir(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), (3,))
    with pytest.raises(ValueError, match="learned parameters"):
        export_nir(nn.Sequential(sf.nn.LIF(learn_tau=True)), (3,))
    with pytest.raises(ValueError, match="without refractoriness"):
        export_nir(nn.Sequential(sf.nn.LIF(refractory_ms=2.0)), (3,))
    with pytest.raises(ValueError, match="must share dt_ms"):
        export_nir(nn.Sequential(sf.nn.LIF(dt_ms=1.0), sf.nn.LIF(dt_ms=0.5)), (3,))
    with pytest.raises(ValueError, match=r"time_constants must be one of .*got 'rk4'"):
        export_nir(nn.Sequential(sf.nn.LIF()), (3,), time_constants="rk4")


def test_import_errors():
    graph = export_nir(nn.Sequential(nn.Linear(3, 3), sf.nn.LIF(dt_ms=1.0)), (3,))
    graph.nodes["1"].r = graph.nodes["1"].r * 2
    with pytest.raises(ValueError, match=r"node '1': r dt / tau = \[2.\]"):
        import_nir(graph)
    branched = nir.NIRGraph(
        nodes={"input": nir.Input({"input": [3]}), "a": nir.Linear(torch.ones(3, 3).numpy()),
               "b": nir.Linear(torch.ones(3, 3).numpy()), "output": nir.Output({"output": [3]})},
        edges=[("input", "a"), ("input", "b"), ("a", "output"), ("b", "output")],
    )  # fmt: skip
    with pytest.raises(ValueError, match="has 2 successors; only chains can be imported"):
        import_nir(branched)


def test_write_nir_is_atomic(tmp_path, monkeypatch):
    graph = export_nir(nn.Sequential(nn.Linear(3, 2), sf.nn.LIF()), (3,))
    path = write_nir(graph, tmp_path / "net.nir")
    before = path.read_bytes()

    def dies_half_way(filename, graph, **kwargs):  # noqa: ANN001, ANN202
        with open(filename, "wb") as fh:
            fh.write(b"\x89HDF half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(nir, "write", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        write_nir(graph, path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["net.nir"]
    with pytest.raises(TypeError, match="graph must be a NIR graph or node, got dict"):
        write_nir({}, tmp_path / "x.nir")


def test_import_refuses_nan_weights_naming_the_node():
    graph = export_nir(nn.Sequential(nn.Linear(3, 2), sf.nn.LIF()), (3,))
    name = next(k for k, v in graph.nodes.items() if isinstance(v, nir.Affine))
    graph.nodes[name].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=rf"node '{name}': weight has 1 NaN or infinite value\(s\) of 6"):
        import_nir(graph)


def test_import_takes_the_time_constant_convention_of_a_graph_that_records_none():
    # a peer's graph records no mode: its Euler time constants were read as exact ones
    net = _mlp()
    graph = export_nir(net, (6,), time_constants="euler")
    graph.metadata.pop("time_constants")
    x = torch.rand(60, 4, 6) * 2
    as_exact = import_nir(graph)
    assert as_exact[1].params.tau_mem_ms != pytest.approx(5.0, rel=1e-6)
    back = import_nir(graph, time_constants="euler")
    assert back[1].params.tau_mem_ms == pytest.approx(5.0, rel=1e-12)
    assert torch.equal(net(x), back(x))
    with pytest.raises(ValueError, match=r"time_constants must be one of \['euler', 'exact'\], got 'fwd'"):
        import_nir(graph, time_constants="fwd")
