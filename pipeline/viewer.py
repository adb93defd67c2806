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


def viewer_data(results, num_frames: int, fps: float) -> dict:
    """{frames, fps, bones, people: [{id, poses: per frame 17 x [x, y, z] mm or null,
    labels: per frame}]} of every person's result."""
    people = []
    for result in results:
        poses = [np.round(pose).astype(int).tolist() if lifted else None
                 for pose, lifted in zip(result.poses, result.lifted)]
        people.append({"id": int(result.track.track_id), "poses": poses,
                       "labels": list(result.labels_per_frame)})
    return {"frames": int(num_frames), "fps": float(fps or 30.0),
            "bones": [list(bone) for bone in bones()], "people": people}


def viewer_section(results, num_frames: int, fps: float) -> str:
    """The viewer's HTML: canvas, play button, slider, caption, data and script."""
    with open(SCRIPT, encoding="utf-8") as stream:
        script = stream.read()
    payload = json.dumps(viewer_data(results, num_frames, fps), separators=(",", ":"))
    payload = payload.replace("</", "<\\/")  # never closes the script element early
    return ("<h2>3D poses</h2><p>Drag to turn; the slider and the play button move in step "
            "with the overlay video.</p>"
            '<canvas id="viewer-canvas" width="720" height="480"></canvas><br>'
            '<button id="viewer-play" type="button">play</button> '
            '<input id="viewer-time" type="range" min="0" value="0" step="1" '
            'style="width:600px"> <span id="viewer-caption"></span>'
            f'<script id="viewer-data" type="application/json">{payload}</script>'
            f"<script>{script}</script>")
