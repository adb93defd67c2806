"""Flags of the encoding, the skeleton normalisation and the augmentation, shared by every
binary that makes Enhanced-SPMF images (render, the ENAS binaries, the recognition runner)."""
from __future__ import annotations

from absl import app, flags

from enas.data import BuiltinImages
from spmf.data import AugmentOptions, SpmfDataConfig
from spmf.encode import EncodingOptions
from spmf.lifted import SKELETON_SOURCES
from spmf.recognition_data import PROTOCOLS, RecognitionData
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
                         "Side of the square output image.")
    flags.DEFINE_float("spmf_clahe_clip_limit", _ENCODING.clahe_clip_limit,
                       "CLAHE clip limit on the Lab lightness; 0: no enhancement.")
    flags.DEFINE_integer("spmf_clahe_tiles", _ENCODING.clahe_tile_grid[0],
                         "CLAHE tiles per side.")
    flags.DEFINE_enum("spmf_centre", _SKELETON.centre, ["sequence", "frame", "none"],
                      "Origin: the pelvis averaged over the sequence, per frame, or the data's.")
    flags.DEFINE_enum("spmf_orientation", _SKELETON.orientation, ["none", "upright", "facing"],
                      "Axes: the data's, body-up as +y, or also body-right as +x.")
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


def encoding_from_flags() -> EncodingOptions:
    size, tiles = FLAGS.spmf_image_size, FLAGS.spmf_clahe_tiles
    return EncodingOptions(
        pairs=FLAGS.spmf_pairs, distance_normalisation=FLAGS.spmf_distance_normalisation,
        distance_scale_mm=FLAGS.spmf_distance_scale_mm,
        smoothing_window=FLAGS.spmf_smoothing_window,
        smoothing_order=FLAGS.spmf_smoothing_order, image_size=(size, size),
        clahe_clip_limit=FLAGS.spmf_clahe_clip_limit, clahe_tile_grid=(tiles, tiles))


def skeleton_from_flags() -> SkeletonOptions:
    return SkeletonOptions(centre=FLAGS.spmf_centre, orientation=FLAGS.spmf_orientation)


def augmentation_from_flags() -> AugmentOptions:
    return AugmentOptions(rotation_degrees=FLAGS.augment_rotation_degrees,
                          scale=FLAGS.augment_scale,
                          crop_min_fraction=FLAGS.augment_crop_min_fraction,
                          jitter_mm=FLAGS.augment_jitter_mm)


IMAGE_DATASETS = ("synthetic_images",)


def define_dataset_flags(valid_fraction: float) -> None:
    """--dataset and what it needs: the built-in image task, or a skeleton dataset with its
    protocol, encoding and augmentation (the recognition stage's data for the ENAS binaries)."""
    flags.DEFINE_enum("dataset", "synthetic_images", [*IMAGE_DATASETS, *PROTOCOLS],
                      "synthetic_images: the built-in image task; msr_action3d, sbu, "
                      "synthetic: skeleton sequences as Enhanced-SPMF images.")
    flags.DEFINE_string("data_dir", None, "Folder of msr_action3d or sbu.")
    flags.DEFINE_string("protocol", None, "Train/test split of a skeleton dataset: "
                        + "; ".join(f"{name}: {'|'.join(p)}" for name, p in PROTOCOLS.items())
                        + " (default: the first).")
    flags.DEFINE_float("valid_fraction", valid_fraction, "Part of the training split (of each "
                       "class's training sequences) held out as validation data, never "
                       "trained on.", lower_bound=0.0, upper_bound=0.9)
    flags.DEFINE_integer("spmf_train_copies", RecognitionData.train_copies, "Augmented views "
                         "of every training sequence per epoch.", lower_bound=1)
    flags.DEFINE_integer("spmf_eval_views", SpmfDataConfig.eval_views, "K: views per "
                         "validation and test sequence, their softmax averaged.", lower_bound=1)
    flags.DEFINE_enum("skeleton_source", RecognitionData.skeleton_source,
                      list(SKELETON_SOURCES), "sensor: the dataset's 3D joints; lifted: its 2D "
                      "joints lifted to 3D by --lifter in this process (the paper's unified "
                      "framework).")
    flags.DEFINE_string("lifter", RecognitionData.lifter, "The lifter for "
                        "--skeleton_source=lifted: a lifting.train model_dir, a compact folder "
                        "or a SavedModel export (default: the shipped pretrained/lifter).")
    define_encoding_flags()
    define_augmentation_flags()


def data_from_flags(seed: int) -> BuiltinImages | RecognitionData:
    """The data settings the flags describe (checked: a bad protocol is a usage error)."""
    if FLAGS.dataset in IMAGE_DATASETS:
        return BuiltinImages(FLAGS.dataset, FLAGS.valid_fraction, seed)
    protocol = FLAGS.protocol or PROTOCOLS[FLAGS.dataset][0]
    images = SpmfDataConfig(encoding=encoding_from_flags(), skeleton=skeleton_from_flags(),
                            augment=augmentation_from_flags(), num_frames=FLAGS.spmf_num_frames,
                            eval_views=FLAGS.spmf_eval_views, seed=seed)
    try:
        return RecognitionData(dataset=FLAGS.dataset, protocol=protocol,
                               data_dir=FLAGS.data_dir or "",
                               valid_fraction=FLAGS.valid_fraction,
                               train_copies=FLAGS.spmf_train_copies, images=images,
                               skeleton_source=FLAGS.skeleton_source, lifter=FLAGS.lifter)
    except ValueError as error:
        raise app.UsageError(str(error)) from error
