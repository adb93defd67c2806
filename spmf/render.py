"""Pictures of what the recognition network sees: Enhanced-SPMF images of every sequence.

    python -m spmf.render --dataset=msr_action3d --data_dir=../shared/data/msr_action3d \
        --out_dir=runs/spmf_render

Writes, under OUT_DIR:
  network/<class>/<sequence>.png   the image at the network's size, exactly as training and
                                   evaluation encode it (view 0: no augmentation);
  large/<class>/<sequence>.png     the same encoding at --large_size pixels, to read;
  sheets/<class>.png               one contact sheet per class, each tile captioned;
  config.json                      the settings, command line and versions.
Every file is written to a temporary name and renamed, so an interrupted run leaves no half
image behind.
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os
import re
import time

import cv2
import numpy as np
from absl import app, flags, logging

from common.run_record import exit_on_user_error, open_run
from datasets.catalog import SEQUENCE_DATASETS, load_sequences
from datasets.skeleton_drawing import write_png
from spmf import flags as spmf_flags
from spmf.data import SkeletonImages, SpmfDataConfig
from spmf.encode import SequenceError

FLAGS = flags.FLAGS
_TILE = 128  # contact-sheet tile: the network image enlarged 4x, pixels kept square
_GAP = 6
_CAPTION = 18
_CAPTION_CHARS = 15  # what fits under a tile in OpenCV's plain font


@dataclasses.dataclass(frozen=True)
class RenderSettings:
    """What to draw and where.

    Attributes:
      dataset: one of datasets.catalog.SEQUENCE_DATASETS.
      data_dir: the dataset's folder (unused for synthetic).
      out_dir: where the pictures go.
      data: the encoding and normalisation, as the training pipeline would use them.
      large_size: side of the readable copy of each image.
      sheet_columns: tiles per row of a contact sheet.
    """

    dataset: str
    data_dir: str | None
    out_dir: str
    data: SpmfDataConfig = SpmfDataConfig()
    large_size: int = 256
    sheet_columns: int = 8


def _file_stem(source: str) -> str:
    """A file name for a sequence: its file's stem, or its generator id made path-safe."""
    stem = os.path.splitext(os.path.basename(source))[0] if os.path.exists(source) else source
    if os.path.basename(source) == "skeleton_pos.txt":  # SBU: set/class/sequence folders
        stem = "_".join(source.replace(os.sep, "/").split("/")[-4:-1])
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_")


def _caption(stem: str) -> str:
    """The part of a file stem that tells sequences apart (MSR: aAA_sSS_eEE)."""
    return re.sub(r"_skeleton\w*$", "", stem)


def contact_sheet(images: np.ndarray, captions: list[str], title: str, columns: int
                  ) -> np.ndarray:
    """One RGB picture: a title bar, then the images enlarged to tiles, each captioned."""
    rows = -(-len(images) // columns)
    pitch = _TILE + _GAP
    sheet = np.full((_CAPTION * 2 + rows * (pitch + _CAPTION), columns * pitch, 3), 255,
                    np.uint8)
    cv2.putText(sheet, title, (4, _CAPTION + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1,
                cv2.LINE_AA)
    for index, (image, caption) in enumerate(zip(images, captions)):
        top = _CAPTION * 2 + (index // columns) * (pitch + _CAPTION)
        left = (index % columns) * pitch
        sheet[top:top + _TILE, left:left + _TILE] = cv2.resize(
            image, (_TILE, _TILE), interpolation=cv2.INTER_NEAREST)
        cv2.putText(sheet, caption[:_CAPTION_CHARS], (left + 2, top + _TILE + 13),
                    cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def render(settings: RenderSettings) -> dict:
    """Writes every picture; returns counts and the wall time."""
    start = time.perf_counter()
    open_run(settings.out_dir, settings)
    dataset = load_sequences(settings.dataset, settings.data_dir)
    network = SkeletonImages(dataset, settings.data).evaluation_images().images
    large_encoding = dataclasses.replace(settings.data.encoding,
                                         image_size=(settings.large_size, settings.large_size))
    large = SkeletonImages(dataset, dataclasses.replace(
        settings.data, encoding=large_encoding)).evaluation_images().images
    stems = [_file_stem(sequence.source) for sequence in dataset.sequences]
    folders = [re.sub(r"[^A-Za-z0-9]+", "_", f"{label + 1:02d} {name}").strip("_")
               for label, name in enumerate(dataset.class_names)]
    for index, sequence in enumerate(dataset.sequences):
        for kind, images in (("network", network), ("large", large)):
            write_png(os.path.join(settings.out_dir, kind, folders[sequence.label],
                                    stems[index] + ".png"), images[index])
    sheets = 0
    for label, folder in enumerate(folders):
        members = [i for i, s in enumerate(dataset.sequences) if s.label == label]
        if members:
            title = f"{dataset.name}: {dataset.class_names[label]} ({len(members)} sequences)"
            write_png(os.path.join(settings.out_dir, "sheets", folder + ".png"), contact_sheet(
                network[members], [_caption(stems[i]) for i in members], title,
                settings.sheet_columns))
            sheets += 1
    return {"sequences": len(dataset.sequences), "images": 2 * len(dataset.sequences),
            "sheets": sheets, "skipped": len(dataset.skipped),
            "seconds": round(time.perf_counter() - start, 2), "out_dir": settings.out_dir}


def define_flags() -> None:
    flags.DEFINE_enum("dataset", "synthetic", list(SEQUENCE_DATASETS), "Which dataset to draw.")
    flags.DEFINE_string("data_dir", None, "The dataset's folder (not needed for synthetic).")
    flags.DEFINE_string("out_dir", None, "Where the pictures go.")
    flags.DEFINE_integer("large_size", 256, "Side of the readable copy of each image.")
    flags.DEFINE_integer("sheet_columns", 8, "Tiles per row of a contact sheet.")
    spmf_flags.define_encoding_flags()
    flags.mark_flag_as_required("out_dir")
    flags.register_validator("large_size", lambda value: value >= 8, "--large_size must be >= 8")
    flags.register_validator("sheet_columns", lambda value: value >= 1,
                             "--sheet_columns must be >= 1")


def settings_from_flags() -> RenderSettings:
    if FLAGS.dataset != "synthetic" and not FLAGS.data_dir:
        raise app.UsageError(f"--data_dir is required for --dataset={FLAGS.dataset}")
    data = SpmfDataConfig(encoding=spmf_flags.encoding_from_flags(),
                          skeleton=spmf_flags.skeleton_from_flags(),
                          num_frames=FLAGS.spmf_num_frames)
    return RenderSettings(dataset=FLAGS.dataset, data_dir=FLAGS.data_dir, out_dir=FLAGS.out_dir,
                          data=data, large_size=FLAGS.large_size,
                          sheet_columns=FLAGS.sheet_columns)


def main(argv: list[str]) -> None:
    del argv
    try:
        settings = settings_from_flags()
    except ValueError as error:  # an option the dataclasses refuse
        raise app.UsageError(str(error)) from None
    # SequenceError names the sequence as DataFormatError names the file.
    summary = exit_on_user_error("spmf.render", lambda: render(settings), also=(SequenceError,))
    logging.info("wrote %d images and %d contact sheets in %.1f s to %s", summary["images"],
                 summary["sheets"], summary["seconds"], summary["out_dir"])
    print(json.dumps(summary))


if __name__ == "__main__":
    define_flags()
    app.run(main)
