"""Screens encoding options in minutes: the floor's linear model read on the images themselves.

    python -m recognition.encoding_screen --dataset=msr_action3d --protocols=AS1,AS2,AS3 \
        --data_dir=../shared/data/msr_action3d --out=runs/encoding_screen.md \
        --variant="noclahe encoding.clahe_clip_limit=0" \
        --variant="rows64 encoding.image_size=[64,32]"

A network lever costs ten seeds of the probe (about half an hour) before its effect stands out
of the seed-to-seed spread. What an encoding option does to the information in an image can be
asked far more cheaply: a standardised logistic regression (the floor's model,
`recognition.floor`) on the flattened pixels of each sequence's unaugmented image, trained on
the training side and scored on each held-out training group in turn (the selection folds), so
no test sequence is read. It is deterministic: every difference between variants is the
encoding's, on the same groups. It cannot say what a network makes of an image, only whether
an option keeps or loses what a linear reader separates.

A variant is a name and `field=value` changes of `spmf.data.SpmfDataConfig` (dotted for the
nested options: `encoding.pairs="unordered"`, `skeleton.orientation="upright"`); values are
JSON. The defaults are always screened, as "defaults".
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json

import numpy as np
from absl import app, flags, logging

from common.atomic import write_text
from common.run_record import exit_on_user_error
from recognition.data import RecognitionData, sequence_splits, skeleton_sequences
from recognition.flags import define_skeleton_source_flags
from recognition.floor import model_of
from recognition.protocols import training_groups
from spmf.data import SkeletonImages, SpmfDataConfig

FLAGS = flags.FLAGS


def parse_variant(text: str) -> tuple[str, SpmfDataConfig]:
    """"name field=value ..." -> (name, the default SpmfDataConfig with those changes)."""
    name, *changes = text.split()
    config = SpmfDataConfig()
    for change in changes:
        path, separator, value = change.partition("=")
        if not separator:
            raise ValueError(f"variant {name!r}: {change!r} is not field=value")
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError(f"variant {name!r}: {value!r} is not a JSON value") from None
        config = _replaced(config, path.split("."), parsed, name)
    return name, config


def _replaced(options, path: list[str], value, name: str):
    fields = {field.name for field in dataclasses.fields(options)}
    if path[0] not in fields:
        raise ValueError(f"variant {name!r}: {type(options).__name__} has no field {path[0]!r} "
                         f"(fields: {', '.join(sorted(fields))})")
    current = getattr(options, path[0])
    if len(path) > 1:
        value = _replaced(current, path[1:], value, name)
    elif isinstance(current, tuple):
        value = tuple(value)
    return dataclasses.replace(options, **{path[0]: value})


def _pixels(dataset, config: SpmfDataConfig) -> np.ndarray:
    images = SkeletonImages(dataset, config).encode(np.arange(len(dataset.sequences)), None)
    return images.reshape(len(images), -1).astype(np.float32)


def screen(data: RecognitionData, variants: dict[str, SpmfDataConfig], c: float
           ) -> dict[str, list[float]]:
    """{variant: per-sequence accuracy (%) on each held-out training group of DATA's
    protocol}, each group's model fitted on the other groups."""
    dataset = skeleton_sequences(data)
    train, _, _, _ = sequence_splits(data, dataset)
    accuracies: dict[str, list[float]] = {name: [] for name in variants}
    for fold in range(len(training_groups(train))):
        fit, _, held, scored = sequence_splits(
            dataclasses.replace(data, selection_fold=fold), dataset)
        truth = np.array([s.label for s in held.sequences])
        labels = np.array([s.label for s in fit.sequences])
        for name, config in variants.items():
            model = model_of(c).fit(_pixels(fit, config), labels)
            accuracies[name].append(100 * float(np.mean(model.predict(_pixels(held, config))
                                                        == truth)))
        logging.info("%s: %s", scored, {name: round(v[-1], 1) for name, v in accuracies.items()})
    return accuracies


def markdown(results: dict[str, dict[str, list[float]]]) -> str:
    """One row per variant: each protocol's mean over its held-out groups, and their mean."""
    protocols = list(results)
    variants = list(results[protocols[0]])
    lines = ["| variant | " + " | ".join(protocols) + " | mean |",
             "|---" * (len(protocols) + 2) + "|"]
    for name in variants:
        means = [float(np.mean(results[protocol][name])) for protocol in protocols]
        lines.append(f"| {name} | " + " | ".join(f"{m:.2f}" for m in means)
                     + f" | {np.mean(means):.2f} |")
    return "\n".join(lines) + "\n"


def define_flags() -> None:
    flags.DEFINE_string("dataset", "msr_action3d", "A skeleton dataset of recognition.protocols.")
    flags.DEFINE_string("data_dir", None, "The dataset's folder.")
    flags.DEFINE_list("protocols", ["AS1"], "Protocols whose training groups are screened.")
    define_skeleton_source_flags()
    flags.DEFINE_multi_string("variant", [], "\"name field=value ...\" of SpmfDataConfig.")
    flags.DEFINE_float("c", 0.01, "Inverse regularisation of the logistic regression (the "
                       "floor's usual choice on MSR Action3D).")
    flags.DEFINE_string("out", None, "Markdown table to write (also printed as JSON).")


def protocols_from_flags() -> list[RecognitionData]:
    """One RecognitionData a --protocols entry, with the flags' dataset and skeleton source."""
    return [RecognitionData(dataset=FLAGS.dataset, protocol=protocol,
                            data_dir=FLAGS.data_dir or "", skeleton_source=FLAGS.skeleton_source,
                            lifter=FLAGS.lifter)
            for protocol in FLAGS.protocols]


def main(argv: list[str]) -> None:
    del argv
    try:
        variants = dict([("defaults", SpmfDataConfig()),
                         *(parse_variant(text) for text in FLAGS.variant)])
        protocols = protocols_from_flags()
    except (ValueError, TypeError) as error:
        raise app.UsageError(str(error)) from error

    def run() -> dict:
        results = {data.protocol: screen(data, variants, FLAGS.c) for data in protocols}
        if FLAGS.out:
            write_text(FLAGS.out, markdown(results))
        return results

    print(json.dumps(exit_on_user_error("recognition.encoding_screen", run)))


if __name__ == "__main__":
    define_flags()
    app.run(main)
