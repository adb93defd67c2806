"""Flags of the encoding, the skeleton normalisation and the augmentation, shared by every
binary that makes Enhanced-SPMF images (spmf.render and the recognition binaries)."""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

from absl import flags

from spmf.data import AugmentOptions, SpmfDataConfig
from spmf.encode import EncodingOptions
from spmf.skeleton import SkeletonOptions

FLAGS = flags.FLAGS
_ENCODING, _SKELETON, _AUGMENT = EncodingOptions(), SkeletonOptions(), AugmentOptions()


def define_encoding_flags() -> None:
    """The open choices of the encoder and of the normalisation, defaults from the dataclasses."""
    flags.DEFINE_enum("spmf_pairs", _ENCODING.pairs, ["ordered", "unordered"],
                      "Joint pairs: all J x J (ordered) or the J(J-1)/2 with i < j.")
    flags.DEFINE_enum("spmf_distance_normalisation", _ENCODING.distance_normalisation,
                      ["sequence_max", "fixed"], "JJD scale: per-sequence maximum or fixed.")
    flags.DEFINE_float("spmf_distance_scale_mm", _ENCODING.distance_scale_mm,
                       "The fixed JJD scale in millimetres.")
    flags.DEFINE_integer("spmf_smoothing_window", _ENCODING.smoothing_window,
                         "Savitzky-Golay window in frames (odd); 0: no smoothing.")
    flags.DEFINE_integer("spmf_smoothing_order", _ENCODING.smoothing_order,
                         "Savitzky-Golay polynomial order.")
    flags.DEFINE_integer("spmf_image_size", _ENCODING.image_size[0],
                         "Width of the output image (its height too, unless "
                         "--spmf_image_rows).")
    flags.DEFINE_integer("spmf_image_rows", None, "Height of the output image: the joint-pair "
                         "rows kept (default: --spmf_image_size; 800 feature rows of a "
                         "20-joint sequence are area-averaged into them).", lower_bound=1)
    flags.DEFINE_float("spmf_clahe_clip_limit", _ENCODING.clahe_clip_limit,
                       "CLAHE clip limit on the Lab lightness; 0: no enhancement.")
    flags.DEFINE_integer("spmf_clahe_tiles", _ENCODING.clahe_tile_grid[0],
                         "CLAHE tiles per side.")
    flags.DEFINE_list("spmf_motion_strides", [str(s) for s in _ENCODING.motion_strides],
                      "Time scales of the motion feature: for each stride s, frame n paired "
                      "with frame n + s (paper: 1).")
    flags.register_validator("spmf_motion_strides", _refusing_as_a_flag_error(
        lambda strides: EncodingOptions(motion_strides=_whole_numbers(strides))))
    flags.DEFINE_enum("spmf_centre", _SKELETON.centre, ["sequence", "frame", "none"],
                      "Origin: the pelvis averaged over the sequence, per frame, or the data's.")
    flags.DEFINE_enum("spmf_orientation", _SKELETON.orientation, ["none", "upright", "facing"],
                      "Axes: the data's, body-up as +y, or also body-right as +x.")
    flags.DEFINE_enum("spmf_joint_order", _SKELETON.joint_order, ["layout", "body_parts"],
                      "Joints in the image's rows: the dataset's order, or grouped by body "
                      "part (trunk, arms, legs) so that a row blends joints of one limb.")
    flags.DEFINE_integer("spmf_num_frames", SpmfDataConfig.num_frames,
                         "Frames every sequence is resampled to before encoding.")


def define_augmentation_flags() -> None:
    """Skeleton augmentation before encoding, each off by default."""
    flags.DEFINE_float("augment_rotation_degrees", _AUGMENT.rotation_degrees,
                       "Rotation about the body's vertical axis, uniform in +-this.")
    flags.DEFINE_float("augment_scale", _AUGMENT.scale, "Scale uniform in [1-s, 1+s].")
    flags.DEFINE_float("augment_crop_min_fraction", _AUGMENT.crop_min_fraction,
                       "Temporal crop keeping at least this fraction of the frames.")
    flags.DEFINE_float("augment_jitter_mm", _AUGMENT.jitter_mm,
                       "Gaussian noise on every joint coordinate (mm).")
    flags.DEFINE_bool("augment_swap_people", _AUGMENT.swap_people,
                      "Show a several-person sequence, half the time, with its people in "
                      "the other order (an interaction does not say who acts).")
    flags.DEFINE_bool("augment_mirror", _AUGMENT.mirror,
                      "Show a sequence, half the time, as its mirror image (left and right "
                      "joints swapped, reflected across the body's sagittal plane).")
    flags.DEFINE_float("augment_time_warp", _AUGMENT.time_warp, "Strength in [0, 1) of a "
                       "smooth random change of pace within each training sequence.")
    flags.DEFINE_float("augment_limb_amplitude", _AUGMENT.limb_amplitude, "Strength a in "
                       "[0, 1) of a change of style: each limb's motion about its mean pose "
                       "scaled by a factor uniform in [1-a, 1+a], drawn per limb.")
    flags.DEFINE_float("augment_shear", _AUGMENT.shear, "Strength s in [0, 1) of a random "
                       "shear: each coordinate gains each other one times U(-s, s).")
    flags.register_multi_flags_validator(list(_AUGMENT_FLAGS.values()),
                                         _refusing_as_a_flag_error(_augment_options))


# Each field of AugmentOptions and its flag.
_AUGMENT_FLAGS = {field.name: f"augment_{field.name}"
                  for field in dataclasses.fields(AugmentOptions)}


def _augment_options(values: Mapping[str, object]) -> AugmentOptions:
    """The options of the augment_ flags' VALUES {flag name: value}."""
    return AugmentOptions(**{field: values[name] for field, name in _AUGMENT_FLAGS.items()})


def _whole_numbers(texts: list[str]) -> tuple[int, ...]:
    if not all(text.strip().isdigit() for text in texts):
        raise ValueError(f"motion_strides must be whole numbers, e.g. 1,4, got {texts}")
    return tuple(int(text) for text in texts)


def _refusing_as_a_flag_error(build: Callable[[object], object]) -> Callable[[object], bool]:
    """A flag validator that builds the options and turns their own refusal (a ValueError
    naming the field and the value) into absl's one-line flag error, not a traceback."""
    def check(value) -> bool:
        try:
            build(value)
        except ValueError as error:
            raise flags.ValidationError(str(error)) from None
        return True
    return check


def encoding_from_flags() -> EncodingOptions:
    size, tiles = FLAGS.spmf_image_size, FLAGS.spmf_clahe_tiles
    return EncodingOptions(
        pairs=FLAGS.spmf_pairs, distance_normalisation=FLAGS.spmf_distance_normalisation,
        distance_scale_mm=FLAGS.spmf_distance_scale_mm,
        smoothing_window=FLAGS.spmf_smoothing_window,
        smoothing_order=FLAGS.spmf_smoothing_order,
        image_size=(FLAGS.spmf_image_rows or size, size),
        clahe_clip_limit=FLAGS.spmf_clahe_clip_limit, clahe_tile_grid=(tiles, tiles),
        motion_strides=_whole_numbers(FLAGS.spmf_motion_strides))


def skeleton_from_flags() -> SkeletonOptions:
    return SkeletonOptions(centre=FLAGS.spmf_centre, orientation=FLAGS.spmf_orientation,
                           joint_order=FLAGS.spmf_joint_order)


def augmentation_from_flags() -> AugmentOptions:
    return _augment_options({name: FLAGS[name].value for name in _AUGMENT_FLAGS.values()})
