"""How much of the viewpoint the encoding forgets: a small CNN tested on rotated sequences.

    python -m spmf.view_probe --flagfile=recipes/spmf/view_probe_msr.flags --out_dir=DIR

Enhanced-SPMF's distances do not depend on the viewpoint, its orientations (JJO) do. For each
normalisation (`--orientations`) and rotation augmentation (`--rotations`), a small reference
CNN is trained on MSR Action3D's training subjects and scored PER SEQUENCE on the test subjects
as recorded and turned about the body's vertical axis by each of `--test_angles`: a view the
training data never showed. The CNN is deliberately plain (three conv blocks; the ENAS search
is the recognition stage's business): the probe compares encodings, not networks.

Writes results.json (accuracy per setting, seed and test angle), view_probe.png (accuracy
against test angle, mean over seeds) and config.json.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import itertools
import json
import os
import time

import keras
import matplotlib
import numpy as np
from absl import app, flags, logging

matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402  (after the headless backend is chosen)

from common import input_pipeline  # noqa: E402
from common.run_record import exit_on_user_error, open_run  # noqa: E402
from datasets import msr_action3d  # noqa: E402
from common.atomic import atomic_path, write_text  # noqa: E402
from datasets.sequences import SequenceDataset  # noqa: E402
from spmf.data import (AugmentOptions, SkeletonImages, SpmfDataConfig,  # noqa: E402
                       per_sequence_accuracy, rotation_about)
from spmf.encode import SequenceError  # noqa: E402
from spmf.skeleton import SkeletonOptions, body_axes  # noqa: E402

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class ProbeSettings:
    """The grid of the probe.

    Attributes:
      data_dir: MSR Action3D folder.
      out_dir: where results go.
      subset: AS1, AS2, AS3 or all (the 20 actions).
      orientations: SkeletonOptions.orientation values to compare.
      rotations: training rotation augmentation (+- degrees) values to compare.
      test_angles: rotations of the test sequences about the vertical (degrees).
      seeds: one training per seed and setting.
      epochs: passes over the training sequences.
      batch_size: training batch.
    """

    data_dir: str
    out_dir: str
    subset: str = "all"
    orientations: tuple[str, ...] = ("upright", "facing")
    rotations: tuple[float, ...] = (0.0, 45.0)
    test_angles: tuple[float, ...] = (0.0, 30.0, 60.0, 90.0)
    seeds: tuple[int, ...] = (0, 1)
    epochs: int = 60
    batch_size: int = 64


def reference_cnn(num_classes: int, size: int = 32) -> keras.Model:
    """Three conv blocks and a linear head on raw 0..255 pixels. BatchNorm averages over
    the last ten batches or so (momentum 0.9): a run is a few hundred steps, too few for
    Keras's default 0.99 to forget its initial statistics."""
    images = keras.Input((size, size, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(images)
    for filters in (32, 64, 128):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.ReLU()(keras.layers.BatchNormalization(momentum=0.9)(x))
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dropout(0.3)(keras.layers.GlobalAveragePooling2D()(x))
    return keras.Model(images, keras.layers.Dense(num_classes)(x))


def turned(dataset: SequenceDataset, degrees: float) -> SequenceDataset:
    """Every sequence rotated about its body's vertical axis through its mean pelvis."""
    if degrees == 0:
        return dataset
    sequences = []
    for sequence in dataset.sequences:
        axis = body_axes(sequence.joints, dataset.layout, sequence.source)[1]
        rotation = rotation_about(axis[None], np.deg2rad([degrees]))[0]
        centre = sequence.joints.reshape(-1, 3).mean(0)
        joints = (sequence.joints - centre) @ rotation.T + centre
        sequences.append(dataclasses.replace(sequence, joints=joints.astype(np.float32)))
    return dataclasses.replace(dataset, sequences=tuple(sequences))


def train_and_score(train: SequenceDataset, test: SequenceDataset, config: SpmfDataConfig,
                    settings: ProbeSettings) -> dict[str, float]:
    """Per-sequence test accuracy at every test angle of one trained reference CNN."""
    keras.utils.set_random_seed(config.seed)
    images = SkeletonImages(train, config)
    model = reference_cnn(len(train.class_names), config.encoding.image_size[0])
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    model.fit(images.training_dataset(), steps_per_epoch=max(1, len(images) // config.batch_size),
              epochs=settings.epochs, verbose=0, shuffle=False)  # the stream is shuffled
    plain = dataclasses.replace(config, augment=AugmentOptions())
    scores = {}
    for angle in settings.test_angles:
        views = SkeletonImages(turned(test, angle), plain).evaluation_images()
        logits = model.predict(input_pipeline.array_batches(views.images, 256), verbose=0)
        scores[f"{angle:g}"] = per_sequence_accuracy(keras.ops.convert_to_numpy(
            keras.ops.softmax(logits)), views)
    return scores


def _plot(results: list[dict], angles: tuple[float, ...], path: str) -> None:
    figure, axes = pyplot.subplots(figsize=(6, 4))
    for key in sorted({(r["orientation"], r["rotation"]) for r in results}):
        runs = [r for r in results if (r["orientation"], r["rotation"]) == key]
        means = [100 * np.mean([r["accuracy"][f"{a:g}"] for r in runs]) for a in angles]
        axes.plot(angles, means, marker="o", label=f"{key[0]}, train rotation +-{key[1]:g}")
    axes.set(xlabel="test sequences turned about the vertical (degrees)",
             ylabel="per-sequence accuracy (%)", title="Enhanced-SPMF: viewpoint probe")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=120)
    pyplot.close(figure)


def run_probe(settings: ProbeSettings) -> list[dict]:
    open_run(settings.out_dir, settings)
    dataset = msr_action3d.subset(msr_action3d.load(settings.data_dir), settings.subset)
    train, test = msr_action3d.cross_subject(dataset)
    grid = list(itertools.product(settings.orientations, settings.rotations, settings.seeds))
    results, start = [], time.perf_counter()
    for done, (orientation, rotation, seed) in enumerate(grid, 1):
        config = SpmfDataConfig(skeleton=SkeletonOptions(orientation=orientation),
                                augment=AugmentOptions(rotation_degrees=rotation),
                                batch_size=settings.batch_size, seed=seed)
        accuracy = train_and_score(train, test, config, settings)
        results.append({"orientation": orientation, "rotation": rotation, "seed": seed,
                        "accuracy": accuracy})
        elapsed = time.perf_counter() - start
        logging.info("%d/%d %s, rotation +-%g, seed %d: %s (ETA %.0f s)", done, len(grid),
                     orientation, rotation, seed, accuracy, elapsed / done * (len(grid) - done))
    write_text(os.path.join(settings.out_dir, "results.json"), json.dumps(results, indent=2))
    _plot(results, settings.test_angles, os.path.join(settings.out_dir, "view_probe.png"))
    return results


def define_flags() -> None:
    flags.DEFINE_string("data_dir", None, "MSR Action3D folder.")
    flags.DEFINE_string("out_dir", None, "Where results.json and the figure go.")
    flags.DEFINE_enum("subset", "all", ["all", *msr_action3d.SUBSETS], "Actions to use.")
    flags.DEFINE_list("orientations", ["upright", "facing"], "Normalisations to compare.")
    flags.DEFINE_list("rotations", ["0", "45"], "Training rotation augmentation (degrees).")
    flags.DEFINE_list("test_angles", ["0", "30", "60", "90"], "Test rotations (degrees).")
    flags.DEFINE_list("seeds", ["0", "1"], "Seeds per setting.")
    flags.DEFINE_integer("epochs", 60, "Training epochs per setting.", lower_bound=1)
    flags.DEFINE_integer("batch_size", 64, "Training batch.", lower_bound=1)
    flags.mark_flags_as_required(["data_dir", "out_dir"])


def settings_from_flags() -> ProbeSettings:
    try:
        return ProbeSettings(
            data_dir=FLAGS.data_dir, out_dir=FLAGS.out_dir, subset=FLAGS.subset,
            orientations=tuple(SkeletonOptions(orientation=o).orientation
                               for o in FLAGS.orientations),
            rotations=tuple(float(r) for r in FLAGS.rotations),
            test_angles=tuple(float(a) for a in FLAGS.test_angles),
            seeds=tuple(int(s) for s in FLAGS.seeds), epochs=FLAGS.epochs,
            batch_size=FLAGS.batch_size)
    except ValueError as error:
        raise app.UsageError(str(error)) from None


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    results = exit_on_user_error("spmf.view_probe", lambda: run_probe(settings),
                                 also=(SequenceError,))
    print(json.dumps(results))


if __name__ == "__main__":
    define_flags()
    app.run(main)
