"""The found arc against arcs drawn at random, trained with the same recipe
(`recognition.arc_spread`):

    python -m recognition.random_arcs --flagfile=recipes/recognition/msr_AS1_random_arcs.flags \
        --data_dir=../shared/data/msr_action3d --output_dir=runs/random_arcs_AS1

The probe's flags give the found arc and its recipe; --num_arcs random arcs are each trained
with the first of --seeds. Writes spread.json, spread.md and spread.png; prints spread.json as
one line.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.run_record import exit_on_user_error
from recognition.arc_spread import SpreadSettings, run_spread
from recognition.flags import define_probe_flags, probe_settings_from_flags

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_probe_flags()
    flags.DEFINE_integer("num_arcs", 8, "Random arcs, each trained once.", lower_bound=1)
    flags.DEFINE_bool("densenet", False, "Also train DenseNet-BC with the same recipe.")


def main(argv: list[str]) -> None:
    del argv
    settings = SpreadSettings(output_dir=FLAGS.output_dir, probe=probe_settings_from_flags(),
                              num_arcs=FLAGS.num_arcs, num_ops=int(FLAGS.child_num_branches),
                              densenet=FLAGS.densenet)
    print(json.dumps(exit_on_user_error("recognition.random_arcs",
                                        lambda: run_spread(settings))))


if __name__ == "__main__":
    define_flags()
    app.run(main)
