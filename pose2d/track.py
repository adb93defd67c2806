"""2D keypoint tracks from a video or an OpenPose folder, with an overlay to check them.

    python -m pose2d.track --video=clip.mp4 --out_dir=runs/track [--max_people=2 --model=lite]
    python -m pose2d.track --openpose_dir=json/ --out_dir=runs/track

Writes keypoints_2d.json, overlay.mp4 and config.json (`pose2d.tracking`). Model files come
from --pose_models_dir, POSE_MODELS_DIR or the cache that `python -m pose2d.fetch_models`
fills.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import json

from absl import app

from common.run_record import exit_on_user_error
from pose2d.flags import define_front_end_flags, track_settings_from_flags
from pose2d.model_files import ModelFileError
from pose2d.tracking import track


def define_flags() -> None:
    define_front_end_flags()


def main(argv: list[str]) -> None:
    del argv
    settings = track_settings_from_flags()
    summary = exit_on_user_error("pose2d.track", lambda: track(settings), also=(ModelFileError,))
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
