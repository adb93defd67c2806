"""Two people, one interaction: a pair's lifted poses placed together and classified.

    from recognition.deployed import DeployedClassifier
    from recognition.interaction import classify_pair
    classifier = DeployedClassifier.load(pretrained.path("interaction"))
    probabilities = classify_pair(classifier, poses_a, poses_b, keypoints_a, keypoints_b,
                                  focal_px=max(width, height))

An interaction classifier (SBU Kinect Interaction's, `pretrained/interaction`) sees both
people's joints in one frame of reference, (T, 2 x 17, 3) mm, the first person's 17 then the
second's. The lifter gives each person relative to their own hip; `pair_placement` puts them
back beside each other from their 2D keypoints. SBU's sequences list the one who acts first,
but a video does not say who acts: the classifier is asked with both orders and the two
answers are averaged, so the label does not depend on which track got the lower id.
"""
from __future__ import annotations

import numpy as np

from recognition.deployed import DeployedClassifier
from recognition.pair_placement import placement_offsets

PEOPLE = 2


def placed_pair(poses: np.ndarray, keypoints: np.ndarray, focal_px: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2, 17, 3) root-relative mm and (T, 2, 16, 2) pixels of two people -> (the poses
    placed around the pair's centre, (T,) bool: frames where both were lifted and placed)."""
    offsets = placement_offsets(poses, keypoints, focal_px)
    placed = np.asarray(poses, np.float64) + offsets[:, :, None, :]
    usable = np.isfinite(placed).all(axis=(1, 2, 3))
    return placed.astype(np.float32), usable


def classify_placed(classifier: DeployedClassifier, sequences: list[np.ndarray],
                    name: str = "pair") -> np.ndarray:
    """(len(SEQUENCES), num_classes): each (T, 2, 17, 3) placed pair classified in both
    orders of the two people, the probabilities averaged; all in one batch."""
    both_orders = []
    for sequence in sequences:
        frames = len(sequence)
        both_orders += [sequence.reshape(frames, -1, 3),
                        sequence[:, ::-1].reshape(frames, -1, 3)]
    probabilities = classifier.classify_many(both_orders, name)
    return probabilities.reshape(len(sequences), PEOPLE, -1).mean(axis=1)


def classify_pair(classifier: DeployedClassifier, poses_a: np.ndarray, poses_b: np.ndarray,
                  keypoints_a: np.ndarray, keypoints_b: np.ndarray, focal_px: float
                  ) -> np.ndarray:
    """(num_classes,) for two people's (T, 17, 3) lifted poses and (T, 16, 2) pixels of the
    same T frames (an image of focal length FOCAL_PX, nominally its larger side), over the
    frames where both were lifted and placed."""
    poses = np.stack([poses_a, poses_b], axis=1)
    placed, usable = placed_pair(poses, np.stack([keypoints_a, keypoints_b], axis=1), focal_px)
    if usable.sum() < 2:
        raise ValueError(f"the two people are both lifted in {int(usable.sum())} frames: an "
                         "interaction needs at least 2")
    return classify_placed(classifier, [placed[usable]])[0]
