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

from absl import app

from common.run_record import exit_on_user_error
from recognition.flags import define_probe_flags, probe_settings_from_flags
from recognition.lever_probe import run_probe


def define_flags() -> None:
    define_probe_flags()


def main(argv: list[str]) -> None:
    del argv
    settings = probe_settings_from_flags()
    print(json.dumps(exit_on_user_error("recognition.probe", lambda: run_probe(settings))))


if __name__ == "__main__":
    define_flags()
    app.run(main)
