"""The recognition binaries' flags: a skeleton dataset, its protocol, the skeletons' source,
the Enhanced-SPMF images made of them, and the probe of a fixed arc over several seeds."""
from __future__ import annotations

from absl import app, flags

from enas.final_flags import define_final_flags, final_config_from_flags
from recognition.data import JOINT_LAYOUTS, RecognitionData
from recognition.lever_probe import ProbeSettings
from recognition.lifted import SKELETON_SOURCES
from recognition.protocols import PROTOCOLS
from spmf.data import SpmfDataConfig
from spmf.flags import (augmentation_from_flags, define_augmentation_flags,
                        define_encoding_flags, encoding_from_flags, skeleton_from_flags)

FLAGS = flags.FLAGS


def define_skeleton_source_flags() -> None:
    """--skeleton_source and --lifter: the sensor's 3D joints or the 2D ones lifted here."""
    flags.DEFINE_enum("skeleton_source", RecognitionData.skeleton_source,
                      list(SKELETON_SOURCES), "sensor: the dataset's 3D joints; lifted: its 2D "
                      "joints lifted to 3D by --lifter in this process (the paper's unified "
                      "framework).")
    flags.DEFINE_string("lifter", RecognitionData.lifter, "The lifter for "
                        "--skeleton_source=lifted: a lifting.train model_dir, a compact folder "
                        "or a SavedModel export (default: the shipped pretrained/lifter).")
    flags.DEFINE_bool("lifted_rigid_bones", RecognitionData.lifted_rigid_bones,
                      "--skeleton_source=lifted: each person's bones set to one length over "
                      "the sequence, as pipeline.run shows and classifies a track.")


def define_dataset_flags(valid_fraction: float) -> None:
    """--dataset and what it needs: a skeleton dataset with its protocol, the skeletons'
    source, the encoding and the augmentation."""
    flags.DEFINE_enum("dataset", "msr_action3d", list(PROTOCOLS),
                      "Skeleton sequences, encoded as Enhanced-SPMF images.")
    flags.DEFINE_string("data_dir", None, "Folder of msr_action3d, sbu or (h36m_actions) the "
                        "Human3.6M release.")
    flags.DEFINE_string("protocol", None, "Train/test split: "
                        + "; ".join(f"{name}: {'|'.join(p)}" for name, p in PROTOCOLS.items())
                        + " (default: the dataset's first).")
    flags.DEFINE_float("valid_fraction", valid_fraction, "Part of the training split (of each "
                       "class's training sequences) held out as validation data, never "
                       "trained on.", lower_bound=0.0, upper_bound=0.9)
    flags.DEFINE_integer("spmf_train_copies", RecognitionData.train_copies, "Augmented views "
                         "of every training sequence per epoch.", lower_bound=1)
    flags.DEFINE_integer("spmf_eval_views", SpmfDataConfig.eval_views, "K: views per "
                         "validation and test sequence, their softmax averaged.", lower_bound=1)
    define_skeleton_source_flags()
    flags.DEFINE_enum("joint_layout", RecognitionData.joint_layout, list(JOINT_LAYOUTS),
                      "native: the dataset's joints; h36m16: every person mapped to "
                      "Human3.6M's 16 joints before encoding (shared with h36m_actions, for "
                      "--init_from a network pretrained there).")
    flags.DEFINE_bool("other_actions", RecognitionData.other_actions, "MSR Action3D AS1-AS3: "
                      "train also on the other actions of the training subjects, as extra "
                      "classes; scored and deployed among the subset's own.")
    flags.DEFINE_bool("reference_bones", RecognitionData.reference_bones, "Give every "
                      "person the bone lengths of a reference body (the training sequences' "
                      "mean) before encoding, directions kept.")
    define_encoding_flags()
    define_augmentation_flags()


def seeds_from_flags() -> tuple[int, ...]:
    """--seeds as integers; anything else is a usage error naming the flag."""
    try:
        return tuple(int(seed) for seed in FLAGS.seeds)
    except ValueError:
        raise app.UsageError(f"--seeds: integers separated by commas, got "
                             f"{','.join(FLAGS.seeds)!r}") from None


def data_from_flags(seed: int, protocol: str | None = None) -> RecognitionData:
    """The data settings the flags describe, for PROTOCOL (default: --protocol, else the
    dataset's first); a bad protocol is a usage error."""
    protocol = protocol or FLAGS.protocol or PROTOCOLS[FLAGS.dataset][0]
    images = SpmfDataConfig(encoding=encoding_from_flags(), skeleton=skeleton_from_flags(),
                            augment=augmentation_from_flags(), num_frames=FLAGS.spmf_num_frames,
                            eval_views=FLAGS.spmf_eval_views, seed=seed)
    try:
        return RecognitionData(dataset=FLAGS.dataset, protocol=protocol,
                               data_dir=FLAGS.data_dir or "",
                               valid_fraction=FLAGS.valid_fraction,
                               train_copies=FLAGS.spmf_train_copies, images=images,
                               skeleton_source=FLAGS.skeleton_source, lifter=FLAGS.lifter,
                               lifted_rigid_bones=FLAGS.lifted_rigid_bones,
                               joint_layout=FLAGS.joint_layout,
                               other_actions=FLAGS.other_actions,
                               reference_bones=FLAGS.reference_bones)
    except ValueError as error:
        raise app.UsageError(str(error)) from error


def define_probe_flags() -> None:
    """The fixed-arc training, its data, --seeds and --selection."""
    define_final_flags()
    define_dataset_flags(valid_fraction=0.0)
    flags.DEFINE_list("seeds", ["0", "1", "2"], "One training per seed (at least 3 to judge "
                      "a lever).")
    flags.DEFINE_bool("selection", True, "Score a held-out training group per seed (the "
                      "split for choices); --noselection scores the test sequences.")


def probe_settings_from_flags() -> ProbeSettings:
    seeds = seeds_from_flags()
    return ProbeSettings(output_dir=FLAGS.output_dir, final=final_config_from_flags(None),
                         data=data_from_flags(seeds[0]), seeds=seeds,
                         selection=FLAGS.selection)
