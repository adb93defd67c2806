"""The interactive 3D viewer of report.html: the run's lifted poses embedded as JSON beside
the canvas code of `viewer.js`, so the page needs nothing but itself (works from file://, no
network). Poses are rounded to whole millimetres: a 300-frame, two-person clip is about
100 kB."""
from __future__ import annotations

import json
import os

import numpy as np

from datasets.layouts import bones

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "viewer.js")


SLOT_MM = 1500.0  # between the centres of the groups (a pair, or a person alone) side by side


def _scene_poses(results, pairs) -> dict[int, np.ndarray]:
    """Every person's (T, 17, 3) poses in the viewer's scene: each group in its own slot
    along x; a pair's two people where they were placed (`recognition.interaction`), each
    at their mean place over the pair's frames where the pair was not placed."""
    groups = [[(pair.pair.track_ids[0], pair.poses[:, 0], pair.used),
               (pair.pair.track_ids[1], pair.poses[:, 1], pair.used)] for pair in pairs]
    paired = {track for pair in pairs for track in pair.pair.track_ids}
    groups += [[(r.track.track_id, None, None)] for r in results
               if r.track.track_id not in paired]
    groups.sort(key=lambda group: min(track for track, _, _ in group))
    own = {r.track.track_id: r.poses for r in results}
    scene = {}
    for slot, group in enumerate(groups):
        centre = np.array([(slot - (len(groups) - 1) / 2) * SLOT_MM, 0.0, 0.0])
        for track, placed, used in group:
            poses = own[track] + centre
            if placed is not None and used.any():
                where = placed[used, 0].mean(axis=0)  # the hip's mean place in the pair
                poses = np.where(used[:, None, None], placed + centre, poses + where)
            scene[track] = poses
    return scene


def viewer_data(results, num_frames: int, fps: float, pairs=()) -> dict:
    """{frames, fps, bones, extent_mm, people: [{id, poses: per frame 17 x [x, y, z] mm or
    null, labels: per frame}], pairs: [{ids, labels: per frame}]} of every person's result,
    PAIRS' people placed together."""
    scene = _scene_poses(results, pairs)
    people = []
    for result in results:
        poses = [np.round(pose).astype(int).tolist() if lifted and np.isfinite(pose).all()
                 else None for pose, lifted in zip(scene[result.track.track_id], result.lifted)]
        people.append({"id": int(result.track.track_id), "poses": poses,
                       "labels": list(result.labels_per_frame)})
    groups = len(results) - len(pairs)
    return {"frames": int(num_frames), "fps": float(fps or 30.0),
            "bones": [list(bone) for bone in bones()],
            "extent_mm": float(SLOT_MM * max(groups, 1) / 2 + 500), "people": people,
            "pairs": [{"ids": [int(i) for i in pair.pair.track_ids],
                       "labels": list(pair.labels_per_frame)} for pair in pairs]}


def viewer_section(results, num_frames: int, fps: float, pairs=()) -> str:
    """The viewer's HTML: canvas, play button, slider, caption, data and script."""
    with open(SCRIPT, encoding="utf-8") as stream:
        script = stream.read()
    payload = json.dumps(viewer_data(results, num_frames, fps, pairs), separators=(",", ":"))
    payload = payload.replace("</", "<\\/")  # never closes the script element early
    return ("<h2>3D poses</h2><p>Drag to turn; the slider and the play button move in step "
            "with the overlay video.</p>"
            '<canvas id="viewer-canvas" width="720" height="480"></canvas><br>'
            '<button id="viewer-play" type="button">play</button> '
            '<input id="viewer-time" type="range" min="0" value="0" step="1" '
            'style="width:600px"> <span id="viewer-caption"></span>'
            f'<script id="viewer-data" type="application/json">{payload}</script>'
            f"<script>{script}</script>")
