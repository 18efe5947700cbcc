// The import page while a preview or an import runs: poll its progress once a second,
// update the figures, and reload the page when the state changes (the counts appear).
(function () {
  "use strict";
  const panel = document.getElementById("import-progress");
  if (!panel || panel.dataset.moving !== "true") return;
  const state = panel.dataset.state;
  const set = (name, value) => {
    const el = panel.querySelector(`[data-field="${name}"]`);
    if (el) el.textContent = value;
  };
  const tick = async () => {
    try {
      const response = await fetch(panel.dataset.progressUrl, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (data.state !== state) {
          window.location.reload();
          return;
        }
        set("rows-read", data.rows_read_line);
        set("status", data.status);
        const bar = panel.querySelector("progress");
        if (bar && data.rows_total) bar.value = Math.min(100, (100 * data.rows_read) / data.rows_total);
      }
    } catch (error) {
      // A missed poll is retried on the next tick.
    }
    window.setTimeout(tick, 1000);
  };
  window.setTimeout(tick, 1000);
})();
