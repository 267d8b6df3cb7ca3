#!/usr/bin/env python3
"""PyTorch reference benchmark for mmoe-sweep.

Times the training step of the three models from the MMoE paper
(Ma et al., "Modeling Task Relationships in Multi-task Learning with
Multi-gate Mixture-of-Experts", KDD 2018), written the way a typical user
would write them in plain PyTorch:

  * shared-bottom: Linear(100,113)+ReLU bottom, per task tower
                   Linear(113,8)+ReLU -> Linear(8,1)
  * omoe:          8 experts Linear(100,16)+ReLU (nn.ModuleList, torch.stack),
                   ONE gate softmax(Linear(100,8)) shared by both tasks,
                   per task tower Linear(16,8)+ReLU -> Linear(8,1)
  * mmoe:          same experts, one gate softmax(Linear(100,8)) per task,
                   per task tower Linear(16,8)+ReLU -> Linear(8,1)

Training setup: Adam(lr=0.001), loss = sum over the 2 tasks of MSE,
input dim 100, batch size 128 (--batch-size), torch.set_num_threads(N)
(--threads, default 2). Models are run one at a time.

The random input/label data is pre-generated as tensors before timing, so
data generation is NOT part of the timed region. Only the training step
(zero_grad, forward, loss, backward, optimizer step) is timed with
time.perf_counter over --steps steps, after --warmup untimed steps.

With --replicas R (the expert's loop): R independent runs of a model train
as one computation, each per-replica linear layer expressed as a grouped 1x1
conv2d (groups = R; oneDNN's convolution, which beats Debian torch's reference
BLAS bmm), each replica with its own data and its own loss term, one Adam over
everything (elementwise, so each replica's update is its own). Reported as
replica-steps/s; run one such process per core (--threads 1) for the machine.

Run with Debian's PyTorch, e.g.:
    /usr/bin/python3 bench/torch_reference.py --threads 2 --json
    /usr/bin/python3 bench/torch_reference.py --threads 1 --replicas 32 --json
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

INPUT_DIM = 100
NUM_TASKS = 2
NUM_EXPERTS = 8
EXPERT_UNITS = 16
TOWER_UNITS = 8
SHARED_BOTTOM_UNITS = 113
NUM_BATCHES = 16  # distinct pre-generated batches, cycled through


class Tower(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.hidden = nn.Linear(in_dim, TOWER_UNITS)
        self.out = nn.Linear(TOWER_UNITS, 1)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


class SharedBottom(nn.Module):
    def __init__(self):
        super().__init__()
        self.bottom = nn.Linear(INPUT_DIM, SHARED_BOTTOM_UNITS)
        self.towers = nn.ModuleList(
            [Tower(SHARED_BOTTOM_UNITS) for _ in range(NUM_TASKS)]
        )

    def forward(self, x):
        h = torch.relu(self.bottom(x))
        return [tower(h) for tower in self.towers]


class Experts(nn.Module):
    def __init__(self):
        super().__init__()
        self.experts = nn.ModuleList(
            [nn.Linear(INPUT_DIM, EXPERT_UNITS) for _ in range(NUM_EXPERTS)]
        )

    def forward(self, x):
        # (batch, num_experts, expert_units)
        return torch.stack([torch.relu(e(x)) for e in self.experts], dim=1)


def mix(gate_logits, expert_out):
    g = torch.softmax(gate_logits, dim=1)  # (batch, num_experts)
    return (g.unsqueeze(2) * expert_out).sum(dim=1)  # (batch, expert_units)


class OMoE(nn.Module):
    def __init__(self):
        super().__init__()
        self.experts = Experts()
        self.gate = nn.Linear(INPUT_DIM, NUM_EXPERTS)
        self.towers = nn.ModuleList([Tower(EXPERT_UNITS) for _ in range(NUM_TASKS)])

    def forward(self, x):
        f = self.experts(x)
        h = mix(self.gate(x), f)
        return [tower(h) for tower in self.towers]


class MMoE(nn.Module):
    def __init__(self):
        super().__init__()
        self.experts = Experts()
        self.gates = nn.ModuleList(
            [nn.Linear(INPUT_DIM, NUM_EXPERTS) for _ in range(NUM_TASKS)]
        )
        self.towers = nn.ModuleList([Tower(EXPERT_UNITS) for _ in range(NUM_TASKS)])

    def forward(self, x):
        f = self.experts(x)
        return [
            tower(mix(gate(x), f)) for gate, tower in zip(self.gates, self.towers)
        ]


MODELS = {
    "shared-bottom": SharedBottom,
    "omoe": OMoE,
    "mmoe": MMoE,
}


def grouped(in_per_group, out_per_group, groups):
    """groups independent Linear(in, out) layers as one 1x1 conv2d over (batch, groups*in, 1, 1)."""
    return nn.Conv2d(groups * in_per_group, groups * out_per_group, 1, groups=groups)


class GroupedModel(nn.Module):
    """R replicas of one model; x: (batch, R*INPUT_DIM, 1, 1) -> predictions (batch, R, tasks)."""

    def __init__(self, name, replicas):
        super().__init__()
        R, T = replicas, NUM_TASKS
        self.name, self.R = name, R
        if name == "shared-bottom":
            self.bottom = grouped(INPUT_DIM, SHARED_BOTTOM_UNITS, R)
            tower_in = SHARED_BOTTOM_UNITS
        else:
            self.gates_n = T if name == "mmoe" else 1
            # the experts of a replica as one layer, and its gates as another
            self.experts = grouped(INPUT_DIM, NUM_EXPERTS * EXPERT_UNITS, R)
            self.gates = grouped(INPUT_DIM, self.gates_n * NUM_EXPERTS, R)
            tower_in = EXPERT_UNITS
        # one tower per (replica, task)
        self.hidden = grouped(tower_in, TOWER_UNITS, R * T)
        self.out = grouped(TOWER_UNITS, 1, R * T)

    def forward(self, x):
        B, R, T = x.shape[0], self.R, NUM_TASKS
        if self.name == "shared-bottom":
            h = torch.relu(self.bottom(x)).view(B, R, 1, SHARED_BOTTOM_UNITS).expand(B, R, T, SHARED_BOTTOM_UNITS)
        else:
            f = torch.relu(self.experts(x)).view(B, R, NUM_EXPERTS, EXPERT_UNITS)
            g = torch.softmax(self.gates(x).view(B, R, self.gates_n, NUM_EXPERTS), dim=3)
            h = torch.matmul(g, f)  # (B, R, gates, units)
            if self.gates_n == 1:
                h = h.expand(B, R, T, EXPERT_UNITS)
        h = h.reshape(B, -1, 1, 1)
        return self.out(torch.relu(self.hidden(h))).view(B, R, T)


def bench_grouped(name, replicas, batch_size, steps, warmup, seed):
    torch.manual_seed(seed)
    model = GroupedModel(name, replicas)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    xs = torch.randn(NUM_BATCHES, batch_size, replicas * INPUT_DIM, 1, 1)
    ys = torch.randn(NUM_BATCHES, batch_size, replicas, NUM_TASKS)

    def step(i):
        x, y = xs[i % NUM_BATCHES], ys[i % NUM_BATCHES]
        opt.zero_grad()
        # per replica and task the batch MSE, summed: each replica's gradient is its own
        loss = ((model(x) - y) ** 2).mean(dim=0).sum()
        loss.backward()
        opt.step()
        return loss

    return run_timed(name, step, steps, warmup, replicas, param_count(model) // replicas)


def run_timed(name, step, steps, warmup, runs_per_step, params):
    """warmup untimed steps, then steps timed with perf_counter; steps/s counts runs_per_step per step."""
    for i in range(warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    elapsed = time.perf_counter() - t0
    return {
        "model": name,
        "steps_per_s": runs_per_step * steps / elapsed,
        "elapsed_s": elapsed,
        "steps": steps,
        "params": params,
        "final_loss": float(loss.item()),
    }


def blas_library():
    """Best-effort: path of the BLAS shared library actually mapped into this
    process (Debian's python3-torch links libblas.so.3, which is whatever the
    libblas.so.3 alternative points to: reference Netlib BLAS by default,
    OpenBLAS/BLIS if installed). Returns "unknown" if it can't be determined."""
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "/" in line}
    except OSError:
        return "unknown"
    hits = sorted(p for p in paths
                  if any(k in p.rsplit("/", 1)[-1]
                         for k in ("libblas", "openblas", "libmkl", "blis")))
    return ",".join(os.path.realpath(p) for p in hits) or "unknown"


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def bench_model(name, batch_size, steps, warmup, seed):
    torch.manual_seed(seed)
    model = MODELS[name]()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.MSELoss()

    # Pre-generated random data (not timed).
    xs = torch.randn(NUM_BATCHES, batch_size, INPUT_DIM)
    ys = torch.randn(NUM_BATCHES, NUM_TASKS, batch_size, 1)
    batches = [(xs[i], [ys[i, t] for t in range(NUM_TASKS)]) for i in range(NUM_BATCHES)]

    def step(i):
        x, y = batches[i % NUM_BATCHES]
        opt.zero_grad()
        outs = model(x)
        loss = loss_fn(outs[0], y[0])
        for t in range(1, NUM_TASKS):
            loss = loss + loss_fn(outs[t], y[t])
        loss.backward()
        opt.step()
        return loss

    return run_timed(name, step, steps, warmup, 1, param_count(model))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS),
                    help="comma-separated list (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch.set_num_threads (default: %(default)s)")
    ap.add_argument("--batch-size", type=int, default=128,
                    help="batch size (default: %(default)s)")
    ap.add_argument("--steps", type=int, default=2000,
                    help="timed steps per model (default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=100,
                    help="untimed warmup steps per model (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--replicas", type=int, default=0,
                    help="R > 0: R replicas as grouped 1x1 conv2d; steps/s counts replica-steps (default: one model at a time)")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object per model per line")
    args = ap.parse_args(argv)

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        ap.error("unknown model(s): %s (choose from %s)"
                 % (", ".join(unknown), ", ".join(MODELS)))
    if args.steps <= 0 or args.warmup < 0 or args.batch_size <= 0 or args.threads <= 0:
        ap.error("--steps, --batch-size, --threads must be > 0 and --warmup >= 0")

    torch.set_num_threads(args.threads)
    blas = blas_library()

    if not args.json:
        print("torch %s, threads=%d, batch_size=%d, steps=%d, warmup=%d "
              "(data pre-generated, not timed)"
              % (torch.__version__, torch.get_num_threads(), args.batch_size,
                 args.steps, args.warmup))
        print("blas: %s" % blas)
        print("%-14s %10s %12s %10s" % ("model", "params", "steps/s", "time_s"))

    for name in names:
        if args.replicas > 0:
            r = bench_grouped(name, args.replicas, args.batch_size, args.steps, args.warmup, args.seed)
        else:
            r = bench_model(name, args.batch_size, args.steps, args.warmup, args.seed)
        if args.json:
            print(json.dumps({
                "model": r["model"],
                "steps_per_s": round(r["steps_per_s"], 2),
                "threads": torch.get_num_threads(),
                "replicas": args.replicas,
                "batch_size": args.batch_size,
                "torch": torch.__version__,
                "params": r["params"],
                "steps": r["steps"],
                "warmup": args.warmup,
                "blas": blas,
            }))
        else:
            print("%-14s %10d %12.1f %10.2f"
                  % (r["model"], r["params"], r["steps_per_s"], r["elapsed_s"]))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
