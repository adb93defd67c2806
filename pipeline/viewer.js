// The report's 3D viewer: every person's lifted skeleton on one canvas, turned with the
// mouse, stepped with a slider or played, and kept in step with the overlay video. Plain
// canvas 2D drawing: no library, no network, so the page works from file://.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("viewer-data").textContent);
  const canvas = document.getElementById("viewer-canvas");
  const slider = document.getElementById("viewer-time");
  const button = document.getElementById("viewer-play");
  const caption = document.getElementById("viewer-caption");
  const video = document.getElementById("overlay-video");
  const context = canvas.getContext("2d");
  const colours = ["#e6502a", "#2aa0f0", "#3cc85a", "#c83cc8", "#f0c828"];
  const view = { yaw: 0.5, pitch: 0.25, frame: 0, playing: false, started: 0, startFrame: 0,
                 videoTime: -1 };

  function rotate(point) {
    const [x, y, z] = point;
    const cy = Math.cos(view.yaw), sy = Math.sin(view.yaw);
    const cp = Math.cos(view.pitch), sp = Math.sin(view.pitch);
    const x1 = cy * x + sy * z, z1 = -sy * x + cy * z;
    return [x1, cp * y - sp * z1, sp * y + cp * z1];
  }

  function toScreen(point) {
    const scale = canvas.height / (1600 + data.extent_mm);
    return [canvas.width / 2 + point[0] * scale, canvas.height / 2 + point[1] * scale, point[2]];
  }

  function drawGround() {
    context.strokeStyle = "#d0d0d0";
    context.lineWidth = 1;
    const half = data.extent_mm;
    for (let step = -half; step <= half; step += 500) {
      for (const [a, b] of [[[step, 900, -half], [step, 900, half]],
                            [[-half, 900, step], [half, 900, step]]]) {
        const p = toScreen(rotate(a)), q = toScreen(rotate(b));
        context.beginPath(); context.moveTo(p[0], p[1]); context.lineTo(q[0], q[1]);
        context.stroke();
      }
    }
  }

  // Poses come in the scene's millimetres: a person alone in their own slot along x, the
  // two people of a pair where they were placed (pipeline/viewer.py).
  function drawPerson(person) {
    const pose = person.poses[view.frame];
    if (!pose) return false;
    const points = pose.map((p) => toScreen(rotate(p)));
    context.strokeStyle = colours[person.id % colours.length];
    context.lineWidth = Math.max(2, canvas.height / 150);
    for (const [a, b] of data.bones) {
      context.beginPath();
      context.moveTo(points[a][0], points[a][1]);
      context.lineTo(points[b][0], points[b][1]);
      context.stroke();
    }
    context.fillStyle = "#202020";
    for (const p of points) {
      context.beginPath(); context.arc(p[0], p[1], 3, 0, 2 * Math.PI); context.fill();
    }
    return true;
  }

  function draw() {
    context.fillStyle = "#fafafa";
    context.fillRect(0, 0, canvas.width, canvas.height);
    drawGround();
    const shown = data.people.map((person) => {
      const seen = drawPerson(person);
      const label = person.labels[view.frame] || (seen ? "" : "not lifted");
      return `#${person.id}${label ? " " + label : ""}`;
    });
    for (const pair of data.pairs) {
      const label = pair.labels[view.frame];
      if (label) shown.push(`#${pair.ids[0]}+#${pair.ids[1]} ${label}`);
    }
    slider.value = view.frame;
    caption.textContent = `frame ${view.frame + 1} / ${data.frames}: ${shown.join(", ")}`;
  }

  function show(frame) {
    view.frame = Math.max(0, Math.min(data.frames - 1, frame));
    draw();
  }

  function stop() { view.playing = false; button.textContent = "play"; }

  // Playing follows the overlay video while it advances, and its own clock otherwise (no
  // video, or one the browser cannot play yet).
  function tick(now) {
    if (!view.playing) return;
    if (video && !video.paused && video.currentTime !== view.videoTime) {
      view.videoTime = video.currentTime;
      show(Math.round(video.currentTime * data.fps));
      view.started = now;
      view.startFrame = view.frame;
    } else {
      const frame = view.startFrame + Math.floor((now - view.started) * data.fps / 1000);
      show(Math.min(frame, data.frames - 1));
    }
    if (view.frame >= data.frames - 1 || (video && video.ended)) stop();
    if (view.playing) requestAnimationFrame(tick);
  }

  button.addEventListener("click", () => {
    if (view.playing) {
      stop();
      if (video) video.pause();
      return;
    }
    if (view.frame >= data.frames - 1) show(0);
    view.playing = true;
    button.textContent = "pause";
    view.started = performance.now();
    view.startFrame = view.frame;
    if (video) {
      video.currentTime = view.frame / data.fps;
      video.play().catch(() => {});
    }
    requestAnimationFrame(tick);
  });

  slider.addEventListener("input", () => {
    show(Number(slider.value));
    if (video) video.currentTime = view.frame / data.fps;
  });

  if (video) {
    video.addEventListener("seeked", () => {
      if (!view.playing) show(Math.round(video.currentTime * data.fps));
    });
    video.addEventListener("play", () => {
      if (view.playing) return;
      view.playing = true; button.textContent = "pause";
      view.started = performance.now(); view.startFrame = view.frame;
      requestAnimationFrame(tick);
    });
    video.addEventListener("pause", () => { if (!video.ended) stop(); });
  }

  let dragging = null;
  canvas.addEventListener("pointerdown", (event) => {
    dragging = [event.clientX, event.clientY];
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    view.yaw += (event.clientX - dragging[0]) * 0.01;
    view.pitch = Math.max(-1.4, Math.min(1.4, view.pitch + (event.clientY - dragging[1]) * 0.01));
    dragging = [event.clientX, event.clientY];
    draw();
  });
  canvas.addEventListener("pointerup", () => { dragging = null; });

  slider.max = data.frames - 1;
  show(0);
  canvas.dataset.firstDrawMs = performance.now().toFixed(1);  // since the page was opened
})();
