"""N workers of one command on this machine, each with its TF_CONFIG: multi-worker training
tried out on loopback before it goes to real machines.

    python -m common.local_cluster --workers=2 -- python -m lifting.train \
        --strategy=multi_worker --model_dir=runs/lifter_2w --dataset=synthetic --epochs=2

Every worker gets a free loopback port and the same cluster list; worker 0 is the chief
(`tf.distribute.MultiWorkerMirroredStrategy` convention), the one that writes the run folder.
The workers' output is streamed line by line with a `[worker i]` prefix; if one fails, the
others are stopped and the launcher exits with its status. On real machines, run the same
command once per machine with TF_CONFIG set by hand (README, "Several machines").
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

from absl import app, flags

FLAGS = flags.FLAGS


def free_ports(count: int) -> list[int]:
    """COUNT distinct ports the system reports free on loopback now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for handle in sockets:
            handle.bind(("localhost", 0))
        return [handle.getsockname()[1] for handle in sockets]
    finally:
        for handle in sockets:
            handle.close()


def tf_configs(ports: list[int]) -> list[str]:
    """The TF_CONFIG of each worker of a cluster on those loopback PORTS."""
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
            for index in range(len(ports))]


def _stream(process: subprocess.Popen, prefix: str) -> None:
    for line in process.stdout:
        sys.stdout.write(f"{prefix} {line}")
        sys.stdout.flush()


def run_cluster(command: list[str], workers: int, poll_seconds: float = 0.2) -> int:
    """Runs COMMAND as WORKERS processes; their common status (the first failure's)."""
    processes = []
    for index, config in enumerate(tf_configs(free_ports(workers))):
        environment = {**os.environ, "TF_CONFIG": config}
        process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=_stream, args=(process, f"[worker {index}]"),
                         daemon=True).start()
        processes.append(process)
    try:
        while True:
            codes = [process.poll() for process in processes]
            failed = [code for code in codes if code not in (None, 0)]
            if failed:
                return failed[0]
            if all(code == 0 for code in codes):
                return 0
            time.sleep(poll_seconds)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str]) -> None:
    command = argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise app.UsageError("give the command after --, e.g. -- python -m lifting.train ...")
    sys.exit(run_cluster(command, FLAGS.workers))


if __name__ == "__main__":
    flags.DEFINE_integer("workers", 2, "Worker processes to start.", lower_bound=1)
    app.run(main)
