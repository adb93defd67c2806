"""Following people through a video: the detector finds them, the landmarks keep them.

Each track carries the region where its person is expected. A frame runs the landmark model
once per track, on that region; the landmarks give the next frame's region, so the detector
is not needed while every track holds. A track whose pose-presence score falls below the
threshold is lost. The detector runs on a frame only when fewer people are tracked than
`max_people` allows: at once when nobody is tracked, otherwise every `redetect_every` frames
(someone may have walked in). A detection centred where a live track's region is centred
(within `same_person_distance` of its side) is that person again and is ignored. One found
within `remember_frames` of a track's loss takes that track's id back when it overlaps the lost
region (IoU) or, having moved while unseen (hidden behind someone), is within `rejoin_reach`
region sides of it at about its size, provided its torso's colours match the track's
(`pose2d.appearance`); colours that differ keep even an overlapping stranger out, so ids
are stable across short losses and not handed to whoever steps in. Centres, not overlap,
tell people apart: the regions are squares round the whole body, so two people hugging or
shaking hands overlap by half or more, yet their hips stay a quarter of a region apart while
one person found twice is off by a few pixels. With `max_people=1` the most prominent person
(the largest region) is chosen when tracking starts and followed.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pose2d.appearance import remembered, similarity, torso_colours
from pose2d.detector import PersonDetector, box_iou
from pose2d.landmarks import LandmarkModel, Landmarks
from pose2d.roi import Region, region_from_points


@dataclasses.dataclass(frozen=True)
class TrackerSettings:
    """How people are followed.

    Attributes:
      max_people: the most people tracked at once.
      presence_threshold: pose-presence score below which a track is lost.
      redetect_every: frames between detector runs while fewer than max_people are tracked
        (and at least one is); with nobody tracked the detector runs on every frame.
      same_person_distance: a detection or track whose region's centre is within this
        fraction of a live track's region side from its centre is the same person.
      same_person_iou: a detection overlapping a lost track by more than this takes its id.
      remember_frames: how long a lost track's id can be given back to a new detection.
      rejoin_reach: how far, in region sides, a person may have moved while lost and still
        take the lost track's id back on their colours without overlapping its region.
      same_appearance: the least colour similarity (`pose2d.appearance.similarity`) at which
        a person found again is the lost track's; below it they are someone else.
    """

    max_people: int = 1
    presence_threshold: float = 0.5
    redetect_every: int = 15
    same_person_distance: float = 0.1
    same_person_iou: float = 0.4
    remember_frames: int = 30
    rejoin_reach: float = 1.5
    same_appearance: float = 0.6

    def __post_init__(self):
        if self.max_people < 1 or self.redetect_every < 1 or self.remember_frames < 0:
            raise ValueError("max_people and redetect_every must be >= 1, remember_frames >= 0")
        if not 0 < self.presence_threshold < 1 or not 0 < self.same_person_iou < 1:
            raise ValueError("presence_threshold and same_person_iou must be in (0, 1)")
        if not 0 < self.same_person_distance < 1:
            raise ValueError("same_person_distance must be in (0, 1)")
        if self.rejoin_reach < 0 or not 0 <= self.same_appearance <= 1:
            raise ValueError("rejoin_reach must be >= 0 and same_appearance in [0, 1]")


@dataclasses.dataclass
class _Track:
    track_id: int
    region: Region
    last_frame: int
    colours: np.ndarray | None = None


class PoseTracker:
    """Feed frames in order with `step`; each returns {track id: Landmarks} for that frame."""

    def __init__(self, detector: PersonDetector, landmarks: LandmarkModel,
                 settings: TrackerSettings = TrackerSettings()):
        self.detector, self.landmarks, self.settings = detector, landmarks, settings
        self.live: list[_Track] = []
        self.lost: list[_Track] = []
        self.frame_index = -1
        self.detector_runs = 0
        self._next_id = 0
        self._last_detection = -10 ** 9

    def step(self, frame: np.ndarray) -> dict[int, Landmarks]:
        """The people in FRAME (H, W, 3) uint8 RGB, by track id."""
        self.frame_index += 1
        found = self._follow(frame)
        if self._should_detect():
            found.update(self._detect(frame))
        return found

    def _follow(self, frame: np.ndarray) -> dict[int, Landmarks]:
        found, still = {}, []
        for track in self.live:
            landmarks = self.landmarks.locate(frame, track.region)
            if landmarks.score < self.settings.presence_threshold:
                self.lost.append(track)
                continue
            if self._overlaps(landmarks.next_region, still):
                continue  # two tracks converged on one person: the older keeps it
            track.region, track.last_frame = landmarks.next_region, self.frame_index
            track.colours = remembered(track.colours, _colours(frame, landmarks))
            found[track.track_id] = landmarks
            still.append(track)
        self.live = still
        self.lost = [t for t in self.lost
                     if self.frame_index - t.last_frame <= self.settings.remember_frames]
        return found

    def _should_detect(self) -> bool:
        if len(self.live) >= self.settings.max_people:
            return False
        return (not self.live
                or self.frame_index - self._last_detection >= self.settings.redetect_every)

    def _detect(self, frame: np.ndarray) -> dict[int, Landmarks]:
        self.detector_runs += 1
        self._last_detection = self.frame_index
        regions = [region_from_points(d.keypoints[0], d.keypoints[1])
                   for d in self.detector.detect(frame)]
        if self.lost:  # whoever overlaps a lost track most: that person back, not a neighbour
            regions.sort(key=lambda region: -max(
                box_iou(region.box(), t.region.box()[None])[0] for t in self.lost))
        elif not self.live:
            regions.sort(key=lambda region: -region.side)  # the most prominent first
        found = {}
        for region in regions:
            if len(self.live) >= self.settings.max_people:
                break
            if self._overlaps(region, self.live):
                continue
            landmarks = self.landmarks.locate(frame, region)
            if landmarks.score < self.settings.presence_threshold:
                continue
            colours = _colours(frame, landmarks)
            track = _Track(self._id_for(landmarks.next_region, colours), landmarks.next_region,
                           self.frame_index, colours)
            self.live.append(track)
            found[track.track_id] = landmarks
        return found

    def _overlaps(self, region: Region, tracks: list[_Track]) -> bool:
        """Whether REGION is one of TRACKS' people: centred where its region is."""
        return any(np.hypot(*(region.centre - t.region.centre))
                   <= self.settings.same_person_distance * max(region.side, t.region.side)
                   for t in tracks)

    def _id_for(self, region: Region, colours: np.ndarray | None) -> int:
        """The id of the recently lost track REGION's person is, else a new one: of the lost
        tracks whose colours do not differ from COLOURS, the one REGION overlaps most, or
        where none overlaps enough, the best-matching in colours of those within reach."""
        best, best_score = None, None
        for index, track in enumerate(self.lost):
            look = (None if colours is None or track.colours is None
                    else similarity(colours, track.colours))
            if look is not None and look < self.settings.same_appearance:
                continue  # someone else, wherever they stand
            overlap = box_iou(region.box(), track.region.box()[None])[0]
            if overlap > self.settings.same_person_iou:
                score = (1, overlap)
            elif look is not None and self._within_reach(region, track.region):
                score = (0, look)
            else:
                continue
            if best_score is None or score > best_score:
                best, best_score = index, score
        if best is not None:
            return self.lost.pop(best).track_id
        self._next_id += 1
        return self._next_id - 1

    def _within_reach(self, region: Region, lost: Region) -> bool:
        """Whether REGION is about LOST's size (within 1.5x) and within `rejoin_reach` of
        its sides from it."""
        ratio = region.side / lost.side
        return (1 / 1.5 <= ratio <= 1.5 and np.hypot(*(region.centre - lost.centre))
                <= self.settings.rejoin_reach * max(region.side, lost.side))


def _colours(frame: np.ndarray, landmarks: Landmarks) -> np.ndarray | None:
    return torso_colours(frame, landmarks.points, landmarks.visibility)
