"""The PyTorch port of Martinez et al.'s baseline, timed beside our lifter in one process.

The lifter's speed is judged against the PyTorch port of the Martinez baseline on the same
machine. This VM's speed drifts by tens of percent within minutes, so figures taken on
different days say little about which is faster; `python -m bench.lifting_bench
--torch_reference` times this model in the same interleaved rounds as ours, and the ratios
taken within a round compare the two under the same conditions.

The network and training step follow that port's published design: Linear(32, 1024),
BatchNorm1d, ReLU, Dropout(0.5), two residual stages of two such units, Linear(1024, 48); MSE
loss, Adam and `clip_grad_norm_(max_norm=1)` (Martinez's max-norm, as the port does it).
Written here from that description; PyTorch is a benchmark-only dependency (`pip install
torch`), never imported by the library.
"""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from bench.timing import timed_rate
from lifting.data import INPUT_DIM, OUTPUT_DIM


def import_torch():
    try:
        import torch  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise ImportError("--torch_reference needs PyTorch (pip install torch); it is only "
                          "used to time the reference beside our lifter") from error
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def _unit(nn, inputs: int, width: int, dropout: float) -> list:
    return [nn.Linear(inputs, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(dropout)]


def build_reference(width: int = 1024, stages: int = 2, dropout: float = 0.5):
    """Martinez's residual MLP as a torch Module mapping (B, 32) to (B, 48)."""
    torch = import_torch()
    nn = torch.nn

    class Stage(nn.Module):
        def __init__(self):
            super().__init__()
            self.units = nn.Sequential(*_unit(nn, width, width, dropout),
                                       *_unit(nn, width, width, dropout))

        def forward(self, x):
            return x + self.units(x)

    class Baseline(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(*_unit(nn, INPUT_DIM, width, dropout))
            self.stages = nn.Sequential(*[Stage() for _ in range(stages)])
            self.head = nn.Linear(width, OUTPUT_DIM)

        def forward(self, x):
            return self.head(self.stages(self.stem(x)))

    return Baseline()


def training_meter(batch: int) -> Callable[[float], float]:
    """Examples/s of the port's train step (forward, MSE, backward, grad-norm clip, Adam)."""
    torch = import_torch()
    model = build_reference().train()
    return _step_meter(model, torch.optim.Adam(model.parameters(), lr=1e-3), batch,
                       (20, batch, INPUT_DIM), (20, batch, OUTPUT_DIM), clip_grad_norm=1.0)


def _step_meter(model, optimiser, batch: int, input_shape: tuple[int, ...],
                target_shape: tuple[int, ...], clip_grad_norm: float | None = None
                ) -> Callable[[float], float]:
    """Examples/s of MODEL's train step (forward, MSE, backward, optional grad-norm clip,
    OPTIMISER) cycling through random batches of the given shapes."""
    torch = import_torch()
    loss_fn = torch.nn.MSELoss()
    rng = np.random.default_rng(0)
    inputs = torch.from_numpy(rng.normal(size=input_shape).astype(np.float32))
    targets = torch.from_numpy(rng.normal(size=target_shape).astype(np.float32))
    state = {"index": 0}

    def step() -> None:
        index = state["index"] = (state["index"] + 1) % len(inputs)
        optimiser.zero_grad()
        loss = loss_fn(model(inputs[index]), targets[index])
        loss.backward()
        if clip_grad_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip_grad_norm)
        optimiser.step()
        loss.item()  # waits for the step, as Keras's fit does

    return lambda seconds: timed_rate(step, batch, seconds)


def inference_meters() -> dict[str, Callable[[float], float]]:
    """Poses/s at batch 1024 and ms per batch-1 call of the port in eval mode, keyed by the
    names of the lifter bench's own inference figures."""
    torch = import_torch()
    model = build_reference().eval()
    big = torch.randn(1024, INPUT_DIM)
    one = torch.randn(1, INPUT_DIM)

    def infer(x):
        with torch.inference_mode():
            return model(x).numpy()

    return {"infer_poses_per_s_batch1024": lambda seconds: timed_rate(
                lambda: infer(big), 1024, seconds),
            "infer_ms_batch1": lambda seconds: 1000.0 / timed_rate(
                lambda: infer(one), 1, seconds)}


def build_temporal_reference(filter_widths: tuple[int, ...], channels: int, dropout: float):
    """The temporal lifter's window form as a torch Module: (B, R, 32) -> (B, 1, 48).

    Pavllo et al.'s published training design: strided Conv1d (no bias), BatchNorm1d
    (momentum 0.1 in torch's convention), ReLU and Dropout per convolution, residual blocks
    of a strided width-w convolution and a 1x1 one, the residual taken at each group's
    middle frame.
    """
    torch = import_torch()
    nn = torch.nn

    def unit(inputs: int, width: int) -> list:
        return [nn.Conv1d(inputs, channels, width, stride=width, bias=False),
                nn.BatchNorm1d(channels, momentum=0.1), nn.ReLU(), nn.Dropout(dropout)]

    class Block(nn.Module):
        def __init__(self, width: int):
            super().__init__()
            self.width = width
            self.layers = nn.Sequential(*unit(channels, width), *unit(channels, 1))

        def forward(self, x):
            return x[:, :, (self.width - 1) // 2::self.width] + self.layers(x)

    class TemporalReference(nn.Module):
        def __init__(self):
            super().__init__()
            self.expand = nn.Sequential(*unit(INPUT_DIM, filter_widths[0]))
            self.blocks = nn.Sequential(*[Block(width) for width in filter_widths[1:]])
            self.shrink = nn.Conv1d(channels, OUTPUT_DIM, 1)

        def forward(self, x):  # (B, R, 32), channels last as ours
            out = self.shrink(self.blocks(self.expand(x.transpose(1, 2))))
            return out.transpose(1, 2)

    return TemporalReference()


def temporal_training_meter(batch: int, filter_widths: tuple[int, ...], channels: int,
                            dropout: float) -> Callable[[float], float]:
    """Windows/s of the temporal reference's train step (forward, MSE, backward, AMSGrad
    Adam, as Pavllo et al. train)."""
    torch = import_torch()
    model = build_temporal_reference(filter_widths, channels, dropout).train()
    frames = int(np.prod(filter_widths))
    return _step_meter(model, torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True),
                       batch, (4, batch, frames, INPUT_DIM), (4, batch, 1, OUTPUT_DIM))
