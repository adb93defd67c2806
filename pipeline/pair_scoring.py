"""The pipeline's pair path scored on SBU Kinect Interaction's test sequences (what
`pipeline.evaluate_pairs` prints and the shipped interaction classifier's manifest records).

Each test sequence of a model's fold goes the way a video's two people go in `pipeline.run`:
both people's released 2D joints become two tracks (H36M-16 pixels of the 640 x 480 image),
each is lifted by the model's lifter (its bones given one length, as `pipeline.run` does by
default), the pairing rule (`pipeline.pairs`) must pair them, and
`pipeline.analysis.process_pair` places them together and labels the pair (both orders of the
two people averaged).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from lifting.deployed import DeployedLifter
from pipeline.analysis import lifted_person, process_pair
from pipeline.pairs import PairRule, find_pairs
from pose2d.tracks import PersonTrack
from recognition.deployed import DeployedClassifier
from recognition.interaction import classify_pair, placed_pair
from recognition.lifted import SBU_IMAGE_SIZE, keypoints_2d, source_lifter
from recognition.protocols import protocol_split
from recognition.zoo import WrongDataset, load_network, recorded_data

FOCAL_PX = float(max(SBU_IMAGE_SIZE))


def two_tracks(keypoints: np.ndarray) -> list[PersonTrack]:
    """(T, 2 x 16, 2) pixels of a two-person sequence -> its two tracks (ids 0 and 1), every
    joint seen with full confidence."""
    people = keypoints.reshape(len(keypoints), 2, 16, 2)
    ones = np.ones(people.shape[:3], np.float32)
    return [PersonTrack(person, people[:, person], ones[:, person], ones[:, person] == 0)
            for person in range(2)]


def score_sequence(keypoints: np.ndarray, lifter: DeployedLifter,
                   classifier: DeployedClassifier, rule: PairRule, rigid: bool,
                   fps: float | None) -> dict:
    """One sequence (recorded at FPS) through the pair path: {paired, pipeline, one_order,
    api} labels (index into the class names; -1 when not paired)."""
    tracks = two_tracks(keypoints)
    people = {track.track_id: lifted_person(track, lifter, rigid, fps) for track in tracks}
    pairs = find_pairs(tracks, rule)
    a, b = (people[i] for i in (0, 1))
    api = classify_pair(classifier, a.poses, b.poses, a.track.keypoints, b.track.keypoints,
                        FOCAL_PX)
    placed, used = placed_pair(np.stack([a.poses, b.poses], 1),
                               np.stack([a.track.keypoints, b.track.keypoints], 1), FOCAL_PX)
    one_order = classifier.classify(placed[used].reshape(int(used.sum()), -1, 3))
    label = -1
    if pairs:
        result = process_pair(pairs[0], people, classifier, 0, FOCAL_PX, lifter.source)
        label = classifier.class_names.index(result.interaction["top5"][0]["label"])
    return {"paired": bool(pairs), "pipeline": label, "one_order": int(one_order.argmax()),
            "api": int(api.argmax())}


def score_model(model: str, data_dir: str, rule: PairRule, rigid: bool = True) -> dict:
    """The pair path's figures on the test sequences of MODEL's protocol (an SBU run folder
    or compact folder trained on lifted poses); RIGID: bones of one length per person."""
    data = recorded_data(model)
    if data.dataset != "sbu" or data.skeleton_source != "lifted":
        raise WrongDataset(f"{model} is a {data.dataset} network on {data.skeleton_source} "
                           "skeletons; the pair path needs one of SBU from lifted poses")
    data = dataclasses.replace(data, data_dir=data_dir)
    sequences_2d = keypoints_2d("sbu", data_dir)
    _, test = protocol_split(sequences_2d, "sbu", data.protocol)
    lifter = source_lifter(data.lifter or None)
    classifier = load_network(model)
    scores = [score_sequence(s.joints, lifter, classifier, rule, rigid,
                             sequences_2d.frame_rate_hz)
              for s in test.sequences]
    truth = np.array([s.label for s in test.sequences])

    def percent(kind: str) -> float:
        return round(100 * float(np.mean([s[kind] for s in scores] == truth)), 2)

    return {"model": model, "protocol": data.protocol, "test_sequences": len(scores),
            "pairs_found": sum(s["paired"] for s in scores),
            "pipeline_accuracy": percent("pipeline"), "one_order_accuracy": percent("one_order"),
            "agrees_with_api": round(100 * float(np.mean(
                [s["pipeline"] == s["api"] for s in scores])), 2)}
