"""The lifter benchmark's comparison with the PyTorch reference."""
import numpy as np
import pytest

from bench import lifting_bench
from lifting.config import LifterConfig


def test_speedups_are_within_round_ratios_with_latency_inverted():
    readings = {
        "train_1stream_batch64_examples_per_s": [1000.0, 500.0, 1200.0],
        "torch_train_1stream_batch64_examples_per_s": [800.0, 500.0, 600.0],
        "infer_poses_per_s_batch1024": [9000.0, 9000.0, 9000.0],
        "torch_infer_poses_per_s_batch1024": [10000.0, 9000.0, 4500.0],
        "infer_ms_batch1": [2.0, 1.0, 1.0],
        "torch_infer_ms_batch1": [1.0, 1.5, 3.0],
    }
    speedups = lifting_bench._speedups_over_torch(readings, [64], inference=True)
    assert speedups == pytest.approx({
        "speedup_over_torch_train_batch64": 1.25,      # median of 1.25, 1.0, 2.0
        "speedup_over_torch_infer_batch1024": 1.0,     # median of 0.9, 1.0, 2.0
        "speedup_over_torch_infer_batch1": 1.5,        # torch ms / our ms: 0.5, 1.5, 3.0
    })


def test_the_torch_reference_has_as_many_parameters_as_one_stream_of_ours():
    torch = pytest.importorskip("torch", reason="PyTorch is a benchmark-only extra (.[bench])")
    from bench.torch_reference import build_reference
    reference = build_reference()
    ours = LifterConfig(streams=("gt",)).build()
    theirs = sum(p.numel() for p in reference.parameters())
    assert theirs == sum(int(np.prod(w.shape)) for w in ours.trainable_weights)
    assert reference(torch.zeros(3, 32)).shape == (3, 48)


def test_the_torch_temporal_reference_matches_our_window_form():
    """Same parameter count, and with our weights copied in, the same pose (eval mode)."""
    torch = pytest.importorskip("torch", reason="PyTorch is a benchmark-only extra (.[bench])")
    import numpy as np
    from bench.torch_reference import build_temporal_reference
    from lifting.temporal_model import WINDOW, TemporalConfig
    config = TemporalConfig((3, 3, 3), channels=16)
    ours = config.build(WINDOW)
    reference = build_temporal_reference(config.filter_widths, 16, 0.25).eval()
    assert sum(p.numel() for p in reference.parameters()) == sum(
        int(np.prod(w.shape)) for w in ours.trainable_weights)
    convolutions = [m for m in reference.modules() if isinstance(m, torch.nn.Conv1d)]
    norms = [m for m in reference.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    ours_convolutions = [layer for layer in ours.layers if "Conv1D" in type(layer).__name__]
    ours_norms = [layer for layer in ours.layers if "BatchNormalization" in type(layer).__name__]
    with torch.no_grad():
        for module, layer in zip(convolutions, ours_convolutions):
            weights = layer.get_weights()
            module.weight.copy_(torch.from_numpy(np.transpose(weights[0], (2, 1, 0))))
            if module.bias is not None:
                module.bias.copy_(torch.from_numpy(weights[1]))
        for module, layer in zip(norms, ours_norms):
            gamma, beta, mean, variance = layer.get_weights()
            for target, value in ((module.weight, gamma), (module.bias, beta),
                                  (module.running_mean, mean), (module.running_var, variance)):
                target.copy_(torch.from_numpy(value))
            module.eps = layer.epsilon
        window = np.random.default_rng(0).normal(size=(2, 27, 32)).astype(np.float32)
        theirs = reference(torch.from_numpy(window)).numpy()
    np.testing.assert_allclose(theirs, ours(window, training=False).numpy(), atol=1e-4)


def test_the_torch_search_reference_has_as_many_child_parameters_as_ours():
    torch = pytest.importorskip("torch", reason="PyTorch is a benchmark-only extra (.[bench])")
    from bench.torch_enas_reference import build_child
    from enas.child import ChildConfig, SharedChild
    reference = build_child(num_layers=6, filters=12)
    ours = SharedChild(ChildConfig(num_layers=6, out_filters=12))
    assert (sum(p.numel() for p in reference.parameters())
            == sum(int(np.prod(w.shape)) for w in ours.trainable_weights))
    arc = [0] + [op for k in range(1, 6) for op in (k % 6, *([1] * k))]
    assert reference(torch.zeros(2, 3, 32, 32), arc).shape == (2, 10)


def test_the_stock_layers_twin_is_keras_own_layers_computing_the_same_poses():
    import keras
    from lifting import batch_norm, tiling_conv
    from lifting.temporal_model import WINDOW, TemporalConfig
    ours = TemporalConfig((3, 3), channels=8).build(WINDOW)
    stock = lifting_bench.stock_keras_layers(ours)
    stock.set_weights(ours.get_weights())
    assert not any(isinstance(layer, (tiling_conv.Conv1D, batch_norm.BatchNormalization))
                   for layer in stock.layers)
    assert sum(isinstance(layer, keras.layers.Conv1D) for layer in stock.layers) == 4
    windows = np.random.default_rng(0).normal(size=(4, 9, 32)).astype(np.float32)
    np.testing.assert_allclose(stock(windows, training=False), ours(windows, training=False),
                               rtol=1e-5, atol=1e-5)
