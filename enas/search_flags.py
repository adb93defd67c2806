"""The search's flags, with the original scripts' names and defaults (ENAS_SPEC.md s. 5), and
the SearchConfig they describe; shared by the binaries that search (`enas.search` on images,
`recognition.search` on skeleton sequences)."""
from __future__ import annotations

import json
from typing import Any, Callable

from absl import flags

from common.distribute import STRATEGIES, make_strategy
from common.run_record import exit_on_user_error
from enas.child import ChildConfig
from enas.controller import ControllerConfig
from enas.flags import (check_original_script_flags, define_child_training_flags,
                        define_original_script_flags, schedule_from_flags)
from enas.reinforce import ReinforceConfig
from enas.data import ImageSplits
from enas.search_run import run_search
from enas.searcher import SearchConfig

FLAGS = flags.FLAGS

# ENAS_SPEC.md s. 5: values the paper states where they differ from the released scripts.
PAPER_PRESET = {"controller_lr": 0.00035, "controller_tanh_constant": 2.5,
                "controller_temperature": 5.0, "controller_entropy_weight": 0.1,
                "child_l2_reg": 1e-4, "child_lr_min": 0.001}


def define_search_flags() -> None:
    """Every flag of a search but the data's."""
    flags.DEFINE_string("output_dir", None, "Where checkpoints, logs and arc.txt go.")
    flags.mark_flag_as_required("output_dir")
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


def preset_value(name: str) -> Any:
    """Flag NAME's value: given on the command line, else the preset's, else its default."""
    if FLAGS.preset == "paper" and not FLAGS[name].present and name in PAPER_PRESET:
        return PAPER_PRESET[name]
    return FLAGS[name].value


def search_config_from_flags(data: Any) -> SearchConfig:
    """The search the flags describe, on DATA's settings (the values the data decides are
    filled in when the search opens: `enas.searcher.resolved`)."""
    check_original_script_flags(FLAGS.output_dir)
    schedule = schedule_from_flags(lr_min=preset_value("child_lr_min"))
    return SearchConfig(
        output_dir=FLAGS.output_dir,
        child=ChildConfig(num_layers=FLAGS.child_num_layers,
                          out_filters=FLAGS.child_out_filters, keep_prob=FLAGS.child_keep_prob,
                          num_branches=int(FLAGS.child_num_branches)),
        controller=ControllerConfig(tanh_constant=preset_value("controller_tanh_constant"),
                                    temperature=preset_value("controller_temperature"),
                                    skip_target=FLAGS.controller_skip_target),
        reinforce=ReinforceConfig(learning_rate=preset_value("controller_lr"),
                                  entropy_weight=preset_value("controller_entropy_weight"),
                                  bl_dec=FLAGS.controller_bl_dec,
                                  skip_weight=FLAGS.controller_skip_weight,
                                  num_aggregate=FLAGS.controller_num_aggregate),
        batch_size=FLAGS.batch_size, num_epochs=FLAGS.num_epochs,
        l2_reg=preset_value("child_l2_reg"), schedule=schedule,
        grad_bound=FLAGS.child_grad_bound, clip_mode=FLAGS.child_clip_mode,
        controller_training=FLAGS.controller_training,
        controller_train_every=FLAGS.controller_train_every,
        controller_train_steps=FLAGS.controller_train_steps,
        eval_every_epochs=FLAGS.eval_every_epochs,
        num_arcs_to_score=FLAGS.num_arcs_to_score, strategy=FLAGS.strategy, seed=FLAGS.seed,
        data=data)


def search_main(binary: str, data: Any, load: Callable[[Any], ImageSplits]) -> None:
    """A search binary's work: the flags' search on DATA (loaded by LOAD), its best arc
    printed."""
    config = search_config_from_flags(data)
    make_strategy(config.strategy)  # first: a collective strategy before any other TF op
    print(json.dumps(exit_on_user_error(binary, lambda: run_search(config, load(config.data)))))
