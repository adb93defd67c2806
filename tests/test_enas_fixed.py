import keras
import numpy as np

from enas import arc as arc_lib
from enas.fixed import build_fixed_model, parameter_count


def test_fixed_model_structure_follows_the_spec():
    arc = arc_lib.parse("4 | 1 1 | 5 0 1 | 3 1 1 0 | 2 0 0 0 0 | 0 1 0 1 0 1")
    model = build_fixed_model(arc, num_classes=7, out_filters=8, input_shape=(16, 16, 3))
    assert model.output_shape == (None, 7)
    # Pool layers of a 6-layer net are 1 and 3: channels 8 -> 16 -> 32, maps 16 -> 8 -> 4.
    assert model.get_layer("layer0_bn_in").output.shape[1:] == (16, 16, 8)
    assert model.get_layer("layer2_bn_in").output.shape[1:] == (8, 8, 16)
    assert model.get_layer("layer4_bn_in").output.shape[1:] == (4, 4, 32)
    # Concatenation of the selected earlier layers and the output, then 1x1 back to C.
    assert model.get_layer("layer3_concat").output.shape[-1] == 3 * 16  # 2 skips + output
    assert model.get_layer("layer3_skip_conv").kernel.shape == (1, 1, 48, 16)
    assert model.get_layer("layer4_skip_conv").kernel.shape == (1, 1, 32, 32)  # no skips
    assert isinstance(model.get_layer("layer1_sep3"), keras.layers.SeparableConv2D)
    assert isinstance(model.get_layer("layer3_sep5"), keras.layers.SeparableConv2D)
    assert isinstance(model.get_layer("layer0_pool"), keras.layers.AveragePooling2D)
    assert isinstance(model.get_layer("layer2_pool"), keras.layers.MaxPooling2D)
    assert not any("bias" in v.path for v in model.trainable_variables)
    logits = model(np.zeros((2, 16, 16, 3), np.float32), training=False)
    assert logits.shape == (2, 7)


def test_published_arc_builds_with_96_filters():
    model = build_fixed_model(arc_lib.parse(arc_lib.PUBLISHED_CIFAR10_ARC), 10, 96)
    assert parameter_count(model) == 30_996_192  # reported in BUILD_NOTES.md beside 21.3M


def test_every_layer_of_the_fixed_model_starts_with_a_relu():
    """Pre-activation (ENAS_SPEC.md s. 4): ReLU -> conv1x1 -> BN opens each layer; fails with
    the first ReLU removed."""
    arc = arc_lib.parse("0 | 1 1 | 2 0 1")
    model = build_fixed_model(arc, num_classes=3, out_filters=4, input_shape=(8, 8, 3))
    for k in range(3):
        conv = model.get_layer(f"layer{k}_conv1x1")
        relu = model.get_layer(f"layer{k}_relu_in")
        assert conv.input is relu.output
    x = np.random.default_rng(0).normal(size=(1, 8, 8, 3)).astype(np.float32)
    probe = keras.Model(model.input, model.get_layer("layer0_relu_in").output)
    assert float(np.min(probe(x))) >= 0.0
