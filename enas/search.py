"""ENAS macro search: python -m enas.search --dataset=synthetic_images --output_dir=runs/search

Flag names and defaults are those of the original scripts (ENAS_SPEC.md s. 5). Writes
TensorBoard logs, a checkpoint per epoch (rerun the same command to resume), arc.txt (the
best arc in the original flat format, with its validation accuracy as a comment) and
arcs.jsonl (the top 10).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.distribute import STRATEGIES, make_strategy
from common.run_record import exit_on_user_error
from enas.child import ChildConfig
from enas.controller import ControllerConfig
from enas.flags import (check_original_script_flags, define_child_training_flags,
                        define_original_script_flags, schedule_from_flags)
from enas.reinforce import ReinforceConfig
from enas.searcher import SearchConfig, run_search
from spmf.flags import data_from_flags, define_dataset_flags
from spmf.recognition_data import image_splits

FLAGS = flags.FLAGS

# ENAS_SPEC.md s. 5: values the paper states where they differ from the released scripts.
PAPER_PRESET = {"controller_lr": 0.00035, "controller_tanh_constant": 2.5,
                "controller_temperature": 5.0, "controller_entropy_weight": 0.1,
                "child_l2_reg": 1e-4, "child_lr_min": 0.001}


def define_flags() -> None:
    flags.DEFINE_string("output_dir", None, "Where checkpoints, logs and arc.txt go.")
    define_dataset_flags(valid_fraction=0.1)
    flags.DEFINE_integer("batch_size", 128, "Child minibatch size.", lower_bound=1)
    flags.DEFINE_integer("num_epochs", 310, "Search epochs.", lower_bound=1)
    flags.DEFINE_integer("child_num_layers", 12, "Layers of the child.", lower_bound=1)
    flags.DEFINE_integer("child_out_filters", 36, "Channels of every layer during search.",
                         lower_bound=1)
    define_child_training_flags(l2_reg=2.5e-4, lr_min=0.0005, keep_prob=0.9)
    flags.DEFINE_float("controller_lr", 0.001, "Controller Adam learning rate.")
    flags.DEFINE_float("controller_tanh_constant", 1.5, "Logits = c * tanh(logits).")
    flags.DEFINE_float("controller_temperature", None, "Logits / temperature (none).")
    flags.DEFINE_float("controller_entropy_weight", 1e-4, "Entropy bonus in the reward.")
    flags.DEFINE_float("controller_skip_target", 0.4, "Target skip probability.")
    flags.DEFINE_float("controller_skip_weight", 0.8, "Weight of the skip KL penalty.")
    flags.DEFINE_float("controller_bl_dec", 0.99, "Baseline decay.")
    flags.DEFINE_integer("controller_num_aggregate", 20, "Arcs per controller update.")
    flags.DEFINE_integer("controller_train_steps", 50, "Controller updates per epoch.",
                         lower_bound=1)
    flags.DEFINE_integer("num_arcs_to_score", 100, "Arcs scored at the end to pick the best.",
                         lower_bound=1)
    flags.DEFINE_bool("controller_training", True, "Train the controller (without: the child "
                      "trains on arcs of the untrained controller, a random search).")
    flags.DEFINE_integer("controller_train_every", 1, "Controller phase after every N-th epoch.",
                         lower_bound=1)
    define_original_script_flags()
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES), "tf.distribute strategy of the "
                      "child step (one sampled arc for all replicas).")
    flags.DEFINE_integer("seed", 0, "Random seed.")
    flags.DEFINE_enum("preset", "scripts", ["scripts", "paper"],
                      "scripts: the original scripts' values (the defaults above); paper: the "
                      f"paper's {', '.join(PAPER_PRESET)}. Flags given explicitly still win.")
    flags.mark_flag_as_required("output_dir")


def _apply_preset() -> None:
    if FLAGS.preset == "paper":
        for name, value in PAPER_PRESET.items():
            if not FLAGS[name].present:
                FLAGS[name].value = value


def settings_from_flags() -> SearchConfig:
    _apply_preset()
    return SearchConfig(
        output_dir=FLAGS.output_dir,
        child=ChildConfig(num_layers=FLAGS.child_num_layers,
                          out_filters=FLAGS.child_out_filters, keep_prob=FLAGS.child_keep_prob,
                          num_branches=int(FLAGS.child_num_branches)),
        controller=ControllerConfig(tanh_constant=FLAGS.controller_tanh_constant,
                                    temperature=FLAGS.controller_temperature,
                                    skip_target=FLAGS.controller_skip_target),
        reinforce=ReinforceConfig(learning_rate=FLAGS.controller_lr,
                                  entropy_weight=FLAGS.controller_entropy_weight,
                                  bl_dec=FLAGS.controller_bl_dec,
                                  skip_weight=FLAGS.controller_skip_weight,
                                  num_aggregate=FLAGS.controller_num_aggregate),
        batch_size=FLAGS.batch_size, num_epochs=FLAGS.num_epochs, l2_reg=FLAGS.child_l2_reg,
        schedule=schedule_from_flags(), grad_bound=FLAGS.child_grad_bound,
        clip_mode=FLAGS.child_clip_mode,
        controller_training=FLAGS.controller_training,
        controller_train_every=FLAGS.controller_train_every,
        controller_train_steps=FLAGS.controller_train_steps,
        eval_every_epochs=FLAGS.eval_every_epochs,
        num_arcs_to_score=FLAGS.num_arcs_to_score, strategy=FLAGS.strategy, seed=FLAGS.seed,
        data=data_from_flags(FLAGS.seed))


def main(argv: list[str]) -> None:
    del argv
    check_original_script_flags()
    config = settings_from_flags()
    make_strategy(config.strategy)  # first: a collective strategy before any other TF op
    print(json.dumps(exit_on_user_error("enas.search",
                                      lambda: run_search(config, image_splits(config.data)))))


if __name__ == "__main__":
    define_flags()
    app.run(main)
