/* Live progress of a run's page: polls the run's JSON progress endpoint about once a second
 * and updates the bar and figures in place. No inline script: the endpoint comes from the
 * panel's data-progress-url attribute. Whenever those figures change (and every few seconds
 * while tasks run, for the growing bars), the page's details, timeline, rolls and task table
 * are fetched again from the page itself and swapped in, so no part of the page says
 * QUEUED while the header says RUNNING: one rendering, the server's, for both. Polling stops
 * when the run has ended; the page then reloads once (after the run's last task results are
 * in, or ~15 s at most) so everything appears complete. Its own words come from the djangojs
 * catalog (gettext, interpolate: Django's JavaScriptCatalog, loaded before it); the figures'
 * sentences come translated in the endpoint's JSON. */
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

  var sectionIds = ["run-timeline", "run-downloads", "run-tasks"];
  var refreshEveryMs = 4000;
  var lastKey = null;
  var lastRefresh = 0;
  var refreshing = false;

  function swap(current, fresh) {
    if (!current || !fresh) {
      return;
    }
    // A traceback someone opened stays open across the swap.
    var open = {};
    current.querySelectorAll("details[open]").forEach(function (details) {
      open[details.getAttribute("data-task") || ""] = true;
    });
    var copy = document.importNode(fresh, true);
    copy.querySelectorAll("details").forEach(function (details) {
      if (open[details.getAttribute("data-task") || ""]) {
        details.open = true;
      }
    });
    current.replaceWith(copy);
  }

  function refreshSections(data) {
    var key = [data.status, data.done, data.tasks_total, data.tasks_ended].join("/");
    var now = Date.now();
    if (refreshing || (key === lastKey && now - lastRefresh < refreshEveryMs)) {
      return;
    }
    refreshing = true;
    lastKey = key;
    lastRefresh = now;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        sectionIds.forEach(function (id) {
          swap(document.getElementById(id), fresh.getElementById(id));
        });
        var current = document.querySelectorAll("#content-main fieldset.module");
        var next = fresh.querySelectorAll("#content-main fieldset.module");
        if (current.length === next.length) {
          for (var i = 0; i < current.length; i += 1) {
            swap(current[i], next[i]);
          }
        }
      })
      .catch(function () {
        lastKey = null; // try again on the next poll
      })
      .then(function () {
        refreshing = false;
      });
  }

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
    setText("elapsed-label", data.active ? gettext("elapsed") : gettext("finished after"));
    setText("tasks", data.tasks_text);
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
        refreshSections(data);
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
          setText(
            "connection",
            interpolate(gettext("Live updates stopped (%s)."), [error.message.slice(5)])
          );
          return;
        }
        setText("connection", gettext("Connection lost, retrying…"));
        window.setTimeout(poll, intervalMs * 3);
      });
  }

  window.setTimeout(poll, intervalMs);
})();
