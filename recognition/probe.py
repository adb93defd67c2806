"""Probes a recognition lever: a fixed arc trained with several seeds, each scored per
sequence beside the floor (`recognition.lever_probe`):

    python -m recognition.probe --flagfile=recipes/recognition/msr_AS1_probe.flags \
        --data_dir=../shared/data/msr_action3d --output_dir=runs/probe_base --seeds=0,1,2

By default each seed is scored on a held-out training group (choose levers there); with
--noselection on the protocol's test sequences. Prints the summary as one JSON line.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from common.run_record import exit_on_user_error
from enas.final_flags import define_final_flags, final_config_from_flags
from recognition.flags import data_from_flags, define_dataset_flags, seeds_from_flags
from recognition.lever_probe import ProbeSettings, run_probe

FLAGS = flags.FLAGS


def define_flags() -> None:
    define_final_flags()
    define_dataset_flags(valid_fraction=0.0)
    flags.DEFINE_list("seeds", ["0", "1", "2"], "One training per seed (at least 3 to judge "
                      "a lever).")
    flags.DEFINE_bool("selection", True, "Score a held-out training group per seed (the "
                      "split for choices); --noselection scores the test sequences.")


def settings_from_flags() -> ProbeSettings:
    seeds = seeds_from_flags()
    data = data_from_flags(seeds[0])
    return ProbeSettings(output_dir=FLAGS.output_dir, final=final_config_from_flags(None),
                         data=data, seeds=seeds, selection=FLAGS.selection)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    print(json.dumps(exit_on_user_error("recognition.probe", lambda: run_probe(settings))))


if __name__ == "__main__":
    define_flags()
    app.run(main)
