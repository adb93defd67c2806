"""report.html of a pipeline run: the overlay video, the interactive 3D viewer
(`pipeline.viewer`), per interacting pair its interaction, and per person the action, its
top-5, the windows, the pictures and the videos, with links to every file. Paths are
relative, so the folder can be moved."""
from __future__ import annotations

import html
import os

from common.atomic import write_text
from pipeline.viewer import viewer_section
from pose2d.video_writer import BROWSER_CODECS, video_codec


def _relative(path: str, root: str) -> str:
    return html.escape(os.path.relpath(path, root))


def _top5_table(top5: list[dict]) -> str:
    rows = "".join(f"<tr><td>{html.escape(entry['label'])}</td>"
                   f"<td>{100 * entry['probability']:.1f}%</td></tr>" for entry in top5)
    return f"<table><tr><th>label</th><th>probability</th></tr>{rows}</table>"


def _windows_table(windows: list[dict]) -> str:
    rows = "".join(f"<tr><td>{w['frames'][0]}-{w['frames'][1]}</td>"
                   f"<td>{html.escape(w['top5'][0]['label'])}</td>"
                   f"<td>{100 * w['top5'][0]['probability']:.1f}%</td></tr>" for w in windows)
    return ("<h4>Per window</h4><table><tr><th>frames</th><th>label</th><th>probability</th>"
            f"</tr>{rows}</table>")


def _labels(result: dict, what: str) -> list[str]:
    """The top-5 table (or why there is none) and the per-window table of an action.json or
    interaction.json."""
    parts = [_top5_table(result["top5"]) if result["top5"] else
             f"<p>No {what}: {html.escape(result.get('note', ''))}</p>"]
    if result.get("windows"):
        parts.append(_windows_table(result["windows"]))
    return parts


def _file_links(files: dict[str, str], root: str) -> str:
    links = " · ".join(f'<a href="{_relative(path, root)}">{html.escape(kind)}</a>'
                       for kind, path in files.items())
    return f"<p>Files: {links}</p>"


def _person_section(result, files: dict[str, str], root: str) -> str:
    action = result.action
    parts = [f"<h2>Person #{result.track.track_id}</h2>",
             f"<p>{action['frames_lifted']} frames lifted"
             + (f", frames {action['frames'][0]}-{action['frames'][1]}" if action["frames"]
                else "") + ".</p>", *_labels(action, "action")]
    if action.get("limb_length_cv"):
        lifter = action.get("limb_length_cv_of_the_lifter", {})
        rows = "".join(f"<tr><td>{html.escape(bone)}</td><td>{100 * cv:.1f}%</td>"
                       f"<td>{100 * lifter.get(bone, float('nan')):.1f}%</td></tr>"
                       for bone, cv in action["limb_length_cv"].items())
        parts.append("<details><summary>Limb length variation over the clip (std / mean; "
                     "a body keeps its bones' lengths)</summary><table><tr><th>limb</th>"
                     "<th>poses kept</th><th>the lifter's own</th></tr>"
                     f"{rows}</table></details>")
    for kind in ("skeleton_3d.png", "spmf.png"):
        if kind in files:
            parts.append(f'<figure><img src="{_relative(files[kind], root)}" '
                         f'alt="{kind}"><figcaption>{kind}</figcaption></figure>')
    if "skeleton_3d.mp4" in files:
        parts.append(f'<video controls src="{_relative(files["skeleton_3d.mp4"], root)}">'
                     "</video>")
    parts.append(_file_links(files, root))
    return "\n".join(parts)


def _pair_section(result, files: dict[str, str], root: str) -> str:
    interaction = result.interaction
    a, b = result.pair.track_ids
    parts = [f"<h2>Pair #{a} and #{b}</h2>",
             f"<p>Both seen in {interaction['frames_both_seen']} frames, both lifted and "
             f"placed together in {interaction['frames_both_lifted']}; their hips came within "
             f"{interaction['closest_hip_distance_in_body_sizes']} hip-to-head lengths. "
             f"Interactions of {html.escape(interaction['label_set'] or 'the classifier')}: "
             f"{html.escape(interaction['classifier'])}.</p>",
             *_labels(interaction, "interaction")]
    parts.append(f'<figure><img src="{_relative(files["skeleton_3d.png"], root)}" '
                 'alt="the pair placed together"><figcaption>the two people placed together '
                 "from their 2D</figcaption></figure>")
    parts.append(_file_links(files, root))
    return "\n".join(parts)


def _codec_note(videos: list[str]) -> str:
    """A sentence naming the videos a browser cannot play (written as mp4v where PyAV's
    H.264 encoder was missing); nothing when all play."""
    codecs = {path: video_codec(path) for path in videos if path}  # each file opened once
    unplayable = {path: codec or "unknown" for path, codec in codecs.items()
                  if codec not in BROWSER_CODECS}
    if not unplayable:
        return ""
    named = ", ".join(f"{os.path.basename(path)} ({codec})" for path, codec in unplayable.items())
    return (f"<p>No H.264 encoder here (install PyAV): {html.escape(named)} may not play in a "
            "browser; the PNG pictures show the same, and any video player opens the "
            "files.</p>")


def write_html(settings, tracked, results, files: dict[int, dict[str, str]],
               overlay_path: str, pairs=(), pair_files: dict[str, dict[str, str]] | None = None
               ) -> str:
    """Writes OUT_DIR/report.html; returns its path."""
    root = settings.out_dir
    head = (f"<h1>{html.escape(os.path.basename(os.path.normpath(tracked.source)))}</h1>"
            f"<p>{tracked.num_frames} frames, {tracked.image_size[0]} x {tracked.image_size[1]}"
            f" px, {tracked.fps:.1f} frames/s; {len(tracked.tracks)} people tracked; "
            f"{len(tracked.empty_frames)} frames with nobody; {len(pairs)} interacting "
            f"pair{'' if len(pairs) == 1 else 's'}.</p>")
    video = (f'<video id="overlay-video" controls preload="auto" '
             f'src="{_relative(overlay_path, root)}"></video>' if overlay_path else "")
    viewer = (viewer_section(results, tracked.num_frames, tracked.fps, pairs) if results
              else "")
    sections = "\n".join([_pair_section(r, pair_files[r.pair.name], root) for r in pairs]
                         + [_person_section(r, files[r.track.track_id], root) for r in results])
    note = _codec_note([overlay_path] + [kinds["skeleton_3d.mp4"] for kinds in files.values()
                                         if "skeleton_3d.mp4" in kinds])
    style = ("<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
             "video,img{max-width:100%}</style>")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>pipeline.run</title>"
            f"{style}</head><body>{head}{video}{note}{viewer}{sections}</body></html>\n")
    path = os.path.join(root, "report.html")
    write_text(path, page)
    return path
