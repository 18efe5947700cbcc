/* Live progress of a run's page: polls the run's JSON progress endpoint about once a second
 * and updates the bar and figures in place. No inline script: the endpoint comes from the
 * panel's data-progress-url attribute. Polling stops when the run has ended; the page then
 * reloads once (after the run's last task results are in, or ~15 s at most) so the
 * timeline, task list and downloads appear complete. */
(function () {
  "use strict";

  var panel = document.querySelector("[data-progress-url]");
  if (!panel || panel.getAttribute("data-active") !== "true") {
    return; // a finished run: nothing to watch
  }
  var url = panel.getAttribute("data-progress-url");
  var intervalMs = 1000;
  var pollsAfterEnd = 0;
  var maxPollsAfterEnd = 15;

  function field(name) {
    return panel.querySelector('[data-field="' + name + '"]');
  }

  function setText(name, text) {
    var element = field(name);
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function render(data) {
    var bar = panel.querySelector("progress");
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
    }
    panel.setAttribute("data-status", data.status);
    var status = field("status");
    if (status) {
      status.textContent = data.status_label;
      status.className = "rolls-status rolls-status-" + data.status;
    }
    setText("summary", data.summary);
    setText("elapsed", data.elapsed);
    setText("elapsed-label", data.active ? "elapsed" : "finished after");
    setText("tasks", data.tasks_ended + " / " + data.tasks_total + " tasks ended");
    setText("error", data.error || "");
    setText("connection", "");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          throw new Error("stop:" + response.status);
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (!data.active) {
          pollsAfterEnd += 1;
          if (data.drained || pollsAfterEnd >= maxPollsAfterEnd) {
            panel.setAttribute("data-active", "false");
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, intervalMs);
      })
      .catch(function (error) {
        if (String(error.message).indexOf("stop:") === 0) {
          setText("connection", "Live updates stopped (" + error.message.slice(5) + ").");
          return;
        }
        setText("connection", "Connection lost, retrying…");
        window.setTimeout(poll, intervalMs * 3);
      });
  }

  window.setTimeout(poll, intervalMs);
})();
