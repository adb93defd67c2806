// Put first into a copy of report.html by tests/test_report_browser.py: records page errors
// and the viewer's first-draw time at load (reported at once with ?timing), then waits for
// every video to have a frame, reads the viewer's canvas, moves its slider, presses play, and
// writes what it found as JSON into the page.
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push(
  e.target && e.target !== window ? `could not load ${e.target.src || e.target.href}`
                                  : String(e.message || e)), true);
const __consoleError = console.error;
console.error = (...a) => { window.__errors.push(a.join(" ")); __consoleError(...a); };
window.addEventListener("load", async () => {
  const canvas = document.getElementById("viewer-canvas");
  const result = { videos: [], errors: window.__errors,
                   firstDrawMs: canvas ? Number(canvas.dataset.firstDrawMs) : null };
  const report = () => {
    const out = document.createElement("pre");
    out.id = "test-result";
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  };
  if (location.search.includes("timing")) {  // real time: report at once, before the dump
    report();
    return;
  }
  const waitFor = (check, ms) => new Promise((resolve) => {
    const began = performance.now();
    const poll = () => (check() || performance.now() - began > ms) ? resolve() : setTimeout(poll, 50);
    poll();
  });
  const videos = [...document.querySelectorAll("video")];
  await waitFor(() => videos.every((v) => v.readyState >= 2 || v.error), 8000);
  for (const v of videos) result.videos.push({ src: v.getAttribute("src"), readyState: v.readyState, width: v.videoWidth, error: v.error ? v.error.code : null });
  if (canvas) {
    const pixels = () => canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const before = pixels();
    let drawn = 0;
    for (let i = 0; i < before.length; i += 4) if (before[i] < 200 || before[i + 2] < 200) drawn++;
    result.drawnPixels = drawn;
    const slider = document.getElementById("viewer-time");
    slider.value = Math.floor(Number(slider.max) / 2);
    slider.dispatchEvent(new Event("input"));
    const after = pixels();
    let changed = 0;
    for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed++;
    result.changedBySlider = changed;
    result.caption = document.getElementById("viewer-caption").textContent;
    const button = document.getElementById("viewer-play");
    const video = document.getElementById("overlay-video");
    if (video) video.muted = true;  // a page may start a muted video without a gesture
    button.click();
    result.buttonAfterPlay = button.textContent;
  }
  report();
});
