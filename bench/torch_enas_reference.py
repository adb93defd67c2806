"""A PyTorch model of the ENAS macro search (shared child and LSTM controller), timed beside
ours in one process by `python -m bench.enas_bench --torch_reference`.

Written here from the published design (Pham et al. 2018, the macro space as ENAS_SPEC.md
describes it), the way PyTorch ports of ENAS build it: eager PyTorch, so each step runs only
the sampled branch of every layer with Python control flow, a new arc per step.
- Child: a 3x3 stem conv + BN; per layer six branches (conv 3x3 / 5x5 and depthwise-separable
  3x3 / 5x5 as conv1x1-BN-ReLU, op, BN-ReLU; average / max pool 3x3 after the conv1x1-BN-ReLU);
  the chosen earlier layers summed onto the output, then BN; a factorized reduction of every
  live tensor after the pool layers; global average pool, dropout, a linear head. SGD with
  Nesterov momentum 0.9, cross entropy plus L2 on every weight, each gradient's norm clipped.
- Controller: one LSTM cell; an op from a softmax per layer, then one skip bit per earlier
  layer from additive attention over the earlier layers' states; REINFORCE with a moving
  baseline, Adam, the gradient averaged over the arcs of one update, each arc rewarded by the
  child's accuracy on one validation minibatch.
PyTorch is a benchmark-only dependency; the library never imports it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from bench.timing import timed_rate
from bench.torch_reference import import_torch
from enas.child import ChildConfig


def _branch(nn, filters: int, op: int):
    """Op OP of a layer (0 c3, 1 s3, 2 c5, 3 s5, 4 avg pool, 5 max pool) after its 1x1 conv."""
    head = [nn.Conv2d(filters, filters, 1, bias=False), nn.BatchNorm2d(filters), nn.ReLU()]
    if op >= 4:
        pool = (nn.AvgPool2d(3, 1, 1, count_include_pad=False) if op == 4
                else nn.MaxPool2d(3, 1, 1))
        return nn.Sequential(*head, pool)
    size = 3 if op in (0, 1) else 5
    if op in (1, 3):
        core = [nn.Conv2d(filters, filters, size, padding=size // 2, groups=filters,
                          bias=False), nn.Conv2d(filters, filters, 1, bias=False)]
    else:
        core = [nn.Conv2d(filters, filters, size, padding=size // 2, bias=False)]
    return nn.Sequential(*head, *core, nn.BatchNorm2d(filters), nn.ReLU())


def _child(num_layers: int, filters: int, num_classes: int, keep_prob: float):
    """The shared child as a torch Module."""
    torch = import_torch()
    nn = torch.nn

    class Reduction(nn.Module):
        def __init__(self):
            super().__init__()
            self.path1 = nn.Conv2d(filters, filters // 2, 1, bias=False)
            self.path2 = nn.Conv2d(filters, filters - filters // 2, 1, bias=False)
            self.bn = nn.BatchNorm2d(filters)

        def forward(self, x):
            shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
            return self.bn(torch.cat([self.path1(x[:, :, ::2, ::2]),
                                      self.path2(shifted[:, :, ::2, ::2])], 1))

    pool_layers = ChildConfig(num_layers=num_layers).pool_layers

    class Child(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, filters, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(filters))
            self.branches = nn.ModuleList(nn.ModuleList(_branch(nn, filters, op) for op in range(6))
                                          for _ in range(num_layers))
            self.skip_bns = nn.ModuleList(nn.BatchNorm2d(filters) for _ in range(num_layers - 1))
            self.reductions = nn.ModuleList(nn.ModuleList(Reduction() for _ in range(p + 2))
                                            for p in pool_layers)
            self.dropout = nn.Dropout(1.0 - keep_prob)
            self.head = nn.Linear(filters, num_classes, bias=False)

        def forward(self, x, arc):
            layers, position = [self.stem(x)], 0
            for k in range(num_layers):
                out = self.branches[k][arc[position]](layers[-1])
                position += 1
                if k > 0:
                    for i in range(k):
                        if arc[position + i]:
                            out = out + layers[i]
                    out = self.skip_bns[k - 1](out)
                    position += k
                layers.append(out)
                if k in pool_layers:
                    reductions = self.reductions[pool_layers.index(k)]
                    layers = [reduce(layer) for reduce, layer in zip(reductions, layers)]
            return self.head(self.dropout(layers[-1].mean((2, 3))))

    return Child()


def _controller(num_layers: int):
    """The LSTM controller as a torch Module."""
    torch = import_torch()
    nn = torch.nn

    class Controller(nn.Module):
        def __init__(self, size: int = 64, tanh_constant: float = 1.5):
            super().__init__()
            self.tanh_constant = tanh_constant
            self.cell = nn.LSTMCell(size, size)
            self.g_emb = nn.Parameter(torch.randn(1, size) * 0.1)
            self.w_emb = nn.Embedding(6, size)
            self.w_soft = nn.Linear(size, 6, bias=False)
            self.w_attn_1 = nn.Linear(size, size, bias=False)
            self.w_attn_2 = nn.Linear(size, size, bias=False)
            self.v_attn = nn.Linear(size, 1, bias=False)

        def forward(self):
            """A sampled arc (a flat list of ints) and the sum of its log-probabilities."""
            inputs, state = self.g_emb, None
            anchors, anchors_w_1, arc, log_prob = [], [], [], 0.0
            for layer in range(num_layers):
                h, c = state = self.cell(inputs, state)
                logits = self.tanh_constant * torch.tanh(self.w_soft(h))
                op = torch.distributions.Categorical(logits=logits).sample()
                log_prob = log_prob + torch.log_softmax(logits, -1)[0, op]
                arc.append(int(op))
                h, c = state = self.cell(self.w_emb(op), state)
                if layer > 0:
                    query = torch.tanh(torch.cat(anchors_w_1) + self.w_attn_2(h))
                    query = self.v_attn(query)
                    logits = self.tanh_constant * torch.tanh(torch.cat([-query, query], 1))
                    skips = torch.distributions.Categorical(logits=logits).sample()
                    log_prob = log_prob + torch.log_softmax(logits, -1).gather(
                        1, skips[:, None]).sum()
                    arc.extend(int(s) for s in skips)
                    weights = skips.float()[:, None]
                    inputs = (weights * torch.cat(anchors)).sum(0, keepdim=True) / (
                        1.0 + weights.sum())
                else:
                    inputs = self.g_emb
                anchors.append(h)
                anchors_w_1.append(self.w_attn_1(h))
            return arc, log_prob

    return Controller()


def build_child(num_layers: int = 12, filters: int = 36, num_classes: int = 10):
    """The reference's shared child alone (a torch Module: (images NCHW, arc) -> logits)."""
    return _child(num_layers, filters, num_classes, keep_prob=0.9)


def search_meters(num_layers: int, filters: int, batch: int, num_aggregate: int = 20,
                  num_classes: int = 10) -> dict[str, Callable[[float], float]]:
    """The reference's child step (images/s, a new controller-sampled arc each step) and its
    controller update (updates/s: NUM_AGGREGATE arcs, each rewarded on one minibatch)."""
    torch = import_torch()
    torch.manual_seed(0)
    child = _child(num_layers, filters, num_classes, keep_prob=0.9)
    controller = _controller(num_layers)
    child_optimizer = torch.optim.SGD(child.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    controller_optimizer = torch.optim.Adam(controller.parameters(), lr=1e-3, betas=(0.0, 0.999),
                                            eps=1e-3)
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.normal(size=(batch, 3, 32, 32)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, num_classes, batch))
    baseline = {"value": 0.0}

    def child_step() -> None:
        child.train()
        with torch.no_grad():
            arc, _ = controller()
        child_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(child(images, arc), labels)
        loss = loss + 2.5e-4 * sum((p * p).sum() for p in child.parameters())
        loss.backward()
        for parameter in child.parameters():
            if parameter.grad is not None:
                torch.nn.utils.clip_grad_norm_(parameter, 5.0)
        child_optimizer.step()
        loss.item()

    def controller_update() -> None:
        child.eval()
        controller_optimizer.zero_grad()
        for _ in range(num_aggregate):
            arc, log_prob = controller()
            with torch.no_grad():
                reward = float((child(images, arc).argmax(1) == labels).float().mean())
            baseline["value"] = 0.99 * baseline["value"] + 0.01 * reward
            (-(reward - baseline["value"]) * log_prob / num_aggregate).backward()
        controller_optimizer.step()

    return {"torch_child_images_per_s": lambda s: timed_rate(child_step, batch, s),
            "torch_controller_updates_per_s": lambda s: timed_rate(controller_update, 1, s)}
