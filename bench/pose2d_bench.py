"""The 2D front-end's speed on a video, printed as one JSON line.

    python -m bench.pose2d_bench --video=../shared/data/videos/ntu_drink_water.avi \
        --pose_models_dir=../shared/data/models

  decode_ms                 per frame, decoding alone (the reader thread, nothing else running)
  detector_ms               per detector call on a frame of the video
  landmark_ms_<model>       per landmark call on the tracked region
  end_to_end_fps_<model>    `pose2d.front_end.track_video`, decoding in its thread included
  detector_runs_<model>     how many of the frames the detector ran on
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app, flags

from bench.front_end_speed import measure

FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    del argv
    print(json.dumps({**measure(FLAGS.video, FLAGS.pose_models_dir), "video": FLAGS.video}))


if __name__ == "__main__":
    flags.DEFINE_string("video", "../shared/data/videos/ntu_drink_water.avi", "Video to time.")
    flags.DEFINE_string("pose_models_dir", None, "Folder of the BlazePose .tflite files.")
    app.run(main)
