"""The main job on the embedded default data (`make demo`): every stage of the system.

    python -m pipeline.demo --flagfile=recipes/demo/demo.flags [--data_root=../shared/data]

Prints one JSON line per stage and leaves figures, models and reports in --output_dir:
  data         the synthetic set summarised, its actions drawn;
  lifting      the two-stream lifter with the camera-independent input trained, evaluated
               (Protocol #1 and #2), exported, drawn;
  recognition  an ENAS search on Enhanced-SPMF images of the synthetic skeletons LIFTED by
               that lifter (the paper's unified framework), the found arc trained and scored
               per sequence, with the report of recognition.experiment;
  pipeline     OpenPose folders (the real input format) of the held-out subjects S9 and S11
               written and run through pipeline.run: 2D -> 3D -> action, scored per sequence;
  video        with --data_root: pipeline.run with the shipped pretrained/ models on the
               NTU RGB+D clip of the real data.
and report.md, which shows the figures and says where every output is. Needs no download and
no real data; about ten minutes on two CPU cores. Rerunning it in the same folder resumes
every stage (each writes its run record).
"""
from __future__ import annotations

from common import quiet_tensorflow  # noqa: F401  (before anything imports TensorFlow)

import dataclasses
import json
import os

import numpy as np
from absl import app, flags, logging

from common.atomic import write_text
from common.run_record import exit_on_user_error, require_writable_folder
from datasets import describe, openpose, synthetic, visualize
from datasets.geometry import project
from enas.child import ChildConfig
from enas.final import FinalConfig
from enas.reinforce import ReinforceConfig
from enas.searcher import SearchConfig
from lifting.config import LifterConfig
from lifting.deployed import DeployedLifter
from lifting.take_figure import plot_take
from lifting.trainer import TrainSettings, train
from pipeline.analysis import Models, RunSettings, run
from pose2d.front_end import FrontEndSettings
from recognition.data import RecognitionData
from recognition.deployed import DeployedClassifier
from recognition.protocols import H36M_TEST_SUBJECTS
from recognition.runner import ExperimentSettings, run_experiment
from spmf.data import AugmentOptions, SpmfDataConfig

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """The demo's sizes, small enough for a laptop CPU.

    Attributes:
      output_dir: figures, models, reports.
      seed: the synthetic data's and every training's seed.
      lifter_epochs, lifter_width: the demo lifter (the paper's width is 1024).
      search_epochs, final_epochs: the recognition stage's ENAS search and final training.
      keypoint_noise_px: detector-like noise on the held-out subjects' OpenPose keypoints.
      data_root: the real data folder (videos/, models/) for the video stage; "" skips it.
    """

    output_dir: str = "runs/demo"
    seed: int = 0
    lifter_epochs: int = 10
    lifter_width: int = 256
    search_epochs: int = 4
    final_epochs: int = 10
    keypoint_noise_px: float = 3.0
    data_root: str = ""

    @property
    def lifter_dir(self) -> str:
        return os.path.join(self.output_dir, "lifter")

    @property
    def classifier_export(self) -> str:
        return os.path.join(self.output_dir, "recognition", "cross_subject",
                            f"seed{self.seed}", "final", "export")


def run_data_stage(settings: DemoSettings) -> dict:
    """Generates the synthetic set, summarises it and draws its actions."""
    data = synthetic.generate(settings.seed)
    figure = os.path.join(settings.output_dir, "synthetic_actions.png")
    visualize.plot_actions(data.corpus, figure)
    return {"stage": "data", **describe.summarise_corpus(data.corpus), "figure": figure}


def run_lifting_stage(settings: DemoSettings) -> dict:
    """Trains the two-stream lifter on the synthetic corpus, evaluates, exports and draws it."""
    model_dir = settings.lifter_dir
    report = train(TrainSettings(model_dir=model_dir, dataset="synthetic", seed=settings.seed,
                                 architecture=LifterConfig(width=settings.lifter_width),
                                 input_normalization="skeleton", batch_size=256,
                                 epochs=settings.lifter_epochs, eval_frame_stride=1))
    figure = os.path.join(settings.output_dir, "lifter_S9_wave.png")
    plot_take(model_dir, synthetic.generate(settings.seed).corpus, "S9",
                                "wave 1", figure)
    return {"stage": "lifting", "input": report["input"], "p1_mm": report["average"]["p1"],
            "p2_mm": report["average"]["p2"], "export": os.path.join(model_dir, "export"),
            "figure": figure}


def run_recognition_stage(settings: DemoSettings) -> dict:
    """Searches a small ENAS child on Enhanced-SPMF images of the synthetic skeletons as the
    demo lifter lifts them from 2D, trains the found arc and scores it per sequence on S9
    and S11."""
    folder = os.path.join(settings.output_dir, "recognition")
    data = RecognitionData(dataset="synthetic", valid_fraction=0.2, train_copies=4,
                           images=SpmfDataConfig(augment=AugmentOptions(
                               rotation_degrees=15, scale=0.1, crop_min_fraction=0.8,
                               jitter_mm=10), eval_views=3, seed=settings.seed),
                           skeleton_source="lifted", lifter=settings.lifter_dir)
    search = SearchConfig(output_dir="", child=ChildConfig(num_layers=4, out_filters=12),
                          reinforce=ReinforceConfig(num_aggregate=5), batch_size=32,
                          num_epochs=settings.search_epochs, controller_train_steps=5,
                          num_arcs_to_score=10, seed=settings.seed)
    final = FinalConfig(output_dir="", out_filters=16, batch_size=32,
                        num_epochs=settings.final_epochs, eval_every_epochs=5)
    results = run_experiment(ExperimentSettings(
        output_dir=folder, protocols=("cross_subject",), seeds=(settings.seed,),
        search=search, final=final, controls=(), data=data))[0]
    found = results["found_arc"]
    return {"stage": "recognition", "arc": results["arc_ops"],
            "test_sequence_accuracy": found["test_sequence_accuracy"],
            "test_image_accuracy": found["test_accuracy"], "params": found["params"],
            "report": os.path.join(folder, "report.md"), "export": settings.classifier_export}


def held_out_openpose_folders(settings: DemoSettings, root: str) -> list[tuple[str, str]]:
    """One OpenPose folder per sequence of the held-out subjects, seen by their first
    camera with detector-like noise; [(folder, true action)]."""
    generated = synthetic.generate(settings.seed)
    rng = np.random.default_rng([settings.seed, 5])
    folders = []
    for sequence in generated.sequences.sequences:
        if sequence.subject not in H36M_TEST_SUBJECTS:
            continue
        camera = generated.corpus.cameras[f"S{sequence.subject}"][0]
        pixels = project(sequence.joints, camera)
        pixels = pixels + rng.normal(0, settings.keypoint_noise_px, pixels.shape)
        name = str(sequence.source).split("/", 1)[1].replace("/", "_").replace(" ", "_")
        folder = os.path.join(root, name)
        openpose.write_folder(folder, [[person] for person in
                                       openpose.body25_from_h36m17(pixels)])
        folders.append((folder, generated.sequences.class_names[sequence.label]))
    return folders


def run_pipeline_stage(settings: DemoSettings) -> dict:
    """pipeline.run on every held-out sequence's OpenPose folder with the demo's models
    (loaded once); the top-1 action scored against the truth, per sequence."""
    root = os.path.join(settings.output_dir, "pipeline")
    models = Models(DeployedLifter.load(settings.lifter_dir),
                    DeployedClassifier.load(settings.classifier_export))  # one person each
    correct, outputs = [], {}
    for index, (folder, truth) in enumerate(held_out_openpose_folders(
            settings, os.path.join(root, "openpose"))):
        name = os.path.basename(folder)
        summary = run(RunSettings(
            video=None, openpose_dir=folder, out_dir=os.path.join(root, name),
            front_end=FrontEndSettings(), openpose_fps=50.0, videos=index < 2), models)
        correct.append(summary["people"][0]["action"] == truth)
        outputs[name] = summary["report"]
    return {"stage": "pipeline", "sequences": len(correct),
            "action_accuracy": float(np.mean(correct)), "reports": outputs}


def run_video_stage(settings: DemoSettings) -> dict:
    """The shipped pretrained models on the real NTU clip (needs --data_root)."""
    out_dir = os.path.join(settings.output_dir, "ntu_video")
    summary = run(RunSettings(
        video=os.path.join(settings.data_root, "videos", "ntu_drink_water.avi"),
        openpose_dir=None, out_dir=out_dir, front_end=FrontEndSettings(
            model="lite", pose_models_dir=os.path.join(settings.data_root, "models"))))
    return {"stage": "video", **summary}


def write_report(settings: DemoSettings, results: list[dict]) -> str:
    """report.md: each stage's figures and where its outputs are."""
    by_stage = {result["stage"]: result for result in results}
    root = settings.output_dir

    def rel(path: str) -> str:
        return os.path.relpath(path, root)

    lifting, recognition = by_stage["lifting"], by_stage["recognition"]
    pipeline = by_stage["pipeline"]
    lines = ["# The demo: every stage on the embedded synthetic data", "",
             "| stage | result | outputs |", "|---|---|---|",
             f"| data | {by_stage['data'].get('frames', '')} frames | "
             f"[{rel(by_stage['data']['figure'])}]({rel(by_stage['data']['figure'])}) |",
             f"| lifting (camera-independent input) | P1 {lifting['p1_mm']:.1f} mm, P2 "
             f"{lifting['p2_mm']:.1f} mm on S9/S11 | SavedModel `{rel(lifting['export'])}` |",
             f"| recognition on lifted poses | {100 * recognition['test_sequence_accuracy']:.1f}"
             f"% per sequence on S9/S11 (arc {recognition['arc']}) | "
             f"[{rel(recognition['report'])}]({rel(recognition['report'])}), SavedModel "
             f"`{rel(recognition['export'])}` |",
             f"| pipeline.run on OpenPose folders | action {100 * pipeline['action_accuracy']:.1f}"
             f"% correct over {pipeline['sequences']} held-out sequences | one folder each "
             f"under `pipeline/` |"]
    if "video" in by_stage:
        video = by_stage["video"]
        lines.append(f"| NTU clip, pretrained models | {video['people'][0]['action']} "
                     f"({video.get('front_end_frames_per_s', '')} frames/s front-end) | "
                     f"[{rel(video['report'])}]({rel(video['report'])}) |")
    lines += ["", f"![actions]({rel(by_stage['data']['figure'])})",
              f"![lifter]({rel(lifting['figure'])})", ""]
    first = next(iter(pipeline["reports"].values()))
    person = os.path.join(os.path.dirname(first), "track_0")
    lines += [f"An HTML report per sequence, e.g. [{rel(first)}]({rel(first)}), with its "
              "3D poses, action and pictures:", "",
              f"![3D skeleton]({rel(os.path.join(person, 'skeleton_3d.png'))}) "
              f"![Enhanced-SPMF]({rel(os.path.join(person, 'spmf.png'))})", ""]
    path = os.path.join(root, "report.md")
    write_text(path, "\n".join(lines))
    return path


def define_flags() -> None:
    defaults = DemoSettings()
    flags.DEFINE_string("output_dir", defaults.output_dir, "Where figures and results go.")
    flags.DEFINE_integer("seed", defaults.seed, "Seed of the synthetic data and the training.")
    flags.DEFINE_integer("lifter_epochs", defaults.lifter_epochs, "Epochs of the demo lifter.")
    flags.DEFINE_integer("lifter_width", defaults.lifter_width,
                         "Width of the demo lifter (the paper uses 1024).")
    flags.DEFINE_integer("search_epochs", defaults.search_epochs, "Epochs of the demo search.")
    flags.DEFINE_integer("final_epochs", defaults.final_epochs,
                         "Epochs of the demo's final training of the found arc.")
    flags.DEFINE_float("keypoint_noise_px", defaults.keypoint_noise_px, "Noise (pixels) on "
                       "the held-out subjects' OpenPose keypoints.")
    flags.DEFINE_string("data_root", defaults.data_root, "The real data folder: when given, "
                        "the pretrained models also run on videos/ntu_drink_water.avi.")


def settings_from_flags() -> DemoSettings:
    return DemoSettings(output_dir=FLAGS.output_dir, seed=FLAGS.seed,
                        lifter_epochs=FLAGS.lifter_epochs, lifter_width=FLAGS.lifter_width,
                        search_epochs=FLAGS.search_epochs, final_epochs=FLAGS.final_epochs,
                        keypoint_noise_px=FLAGS.keypoint_noise_px, data_root=FLAGS.data_root)


def main(argv: list[str]) -> None:
    del argv
    settings = settings_from_flags()
    exit_on_user_error("pipeline.demo", lambda: require_writable_folder(settings.output_dir))
    stages = [run_data_stage, run_lifting_stage, run_recognition_stage, run_pipeline_stage]
    if settings.data_root:
        stages.append(run_video_stage)
    results = []
    for stage in stages:
        result = exit_on_user_error("pipeline.demo", lambda: stage(settings))
        logging.info("%s stage done", result["stage"])
        print(json.dumps({k: v for k, v in result.items() if k != "reports"}), flush=True)
        results.append(result)
    print(json.dumps({"report": write_report(settings, results)}))


if __name__ == "__main__":
    define_flags()
    app.run(main)
