// Marks the first draw of a static page: two animation frames after load, the first has painted.
// Tests and bench/viz.py read window.chainkgDrawnAt (ms since navigation start).
window.addEventListener("load", function () {
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      if (window.chainkgDrawnAt === undefined) {
        window.chainkgDrawnAt = performance.now();
      }
    });
  });
});
