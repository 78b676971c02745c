// The progress page's behaviour: find the job id (/jobs/<id> or ?job=<id>), open a WebSocket to
// the monitor that served the page, send the job id as the first message, then render each
// JSON message: TASK lines with their state, job events, the bar and the final state. The
// monitor closes the socket after FINISHED. No libraries, no build step.
(function () {
  "use strict";

  var TASK_DONE = { COMPLETED: true, FAILED: true, SKIPPED: true };
  var EVENT_TEXT = {
    DOWNLOADED: "Submission downloaded",
    STARTED: "Evaluation started",
    ENDED: "All tasks ran",
    UPLOADED: "Results uploaded",
    FAILED: "Job failed",
    ABORTED: "Job aborted (it may be evaluated again)",
    FINISHED: "Job finished"
  };

  var params = new URLSearchParams(window.location.search);
  var jobId = jobFromPath(window.location.pathname) || params.get("job") || "";
  var expected = parseInt(params.get("tasks") || "", 10);
  if (!(expected > 0)) expected = 0;

  var el = function (id) { return document.getElementById(id); };
  var tasks = {};      // task id -> <li>
  var doneCount = 0;
  var failed = false;
  var finished = false;

  function jobFromPath(path) {
    var m = /^\/jobs\/([^\/]+)\/?$/.exec(path);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function setStatus(text, kind) {
    var s = el("status");
    s.textContent = text;
    s.className = "status status-" + kind;
    document.body.setAttribute("data-status", kind);
  }

  function updateBar() {
    var bar = el("bar");
    var fill = el("bar-fill");
    if (expected > 0) {
      var pct = Math.min(100, Math.round((doneCount / expected) * 100));
      if (finished) pct = 100;
      fill.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", String(pct));
      bar.classList.remove("indeterminate");
      el("counts").textContent = doneCount + " of " + expected + " tasks done";
    } else {
      bar.classList.toggle("indeterminate", !finished);
      if (finished) fill.style.width = "100%";
      el("counts").textContent = doneCount + (doneCount === 1 ? " task done" : " tasks done");
    }
    bar.classList.toggle("done", finished && !failed);
    bar.classList.toggle("bad", failed);
  }

  function onTask(id, state) {
    var li = tasks[id];
    if (!li) {
      li = document.createElement("li");
      li.setAttribute("data-task", id);
      var name = document.createElement("span");
      name.className = "task-id";
      name.textContent = id;
      var badge = document.createElement("span");
      li.appendChild(name);
      li.appendChild(badge);
      el("tasks").appendChild(li);
      tasks[id] = li;
    }
    var wasDone = TASK_DONE[li.getAttribute("data-state")] === true;
    li.setAttribute("data-state", state);
    var badge2 = li.lastChild;
    badge2.className = "state state-" + state;
    badge2.textContent = state;
    if (!wasDone && TASK_DONE[state]) doneCount += 1;
    if (state === "FAILED") li.title = "The task failed";
  }

  function onEvent(command) {
    var li = document.createElement("li");
    li.setAttribute("data-event", command);
    li.textContent = EVENT_TEXT[command] || command;
    el("events").appendChild(li);
    if (command === "FAILED") failed = true;
    if (command === "ABORTED") setStatus("Aborted", "aborted");
    else if (command === "FAILED") setStatus("Failed", "failed");
    else if (command !== "FINISHED" && !failed) setStatus("Running", "running");
  }

  function onFinished() {
    finished = true;
    var f = el("final");
    f.hidden = false;
    f.id = "final";
    f.textContent = failed ? "Finished: the job failed" : "Finished";
    f.className = "final " + (failed ? "bad" : "ok");
    document.body.setAttribute("data-final", failed ? "FAILED" : "FINISHED");
    setStatus(failed ? "Finished with failure" : "Finished", failed ? "failed" : "finished");
  }

  function onMessage(text) {
    var m;
    try { m = JSON.parse(text); } catch (e) { return; }
    if (!m || typeof m.command !== "string") return;
    if (m.command === "TASK") onTask(String(m.task_id), String(m.task_state));
    else onEvent(m.command);
    if (m.command === "FINISHED") onFinished();
    updateBar();
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + "/ws");
    ws.onopen = function () {
      ws.send(jobId);
      setStatus("Waiting for progress", "waiting");
    };
    ws.onmessage = function (ev) { onMessage(ev.data); };
    ws.onclose = function (ev) {
      if (!finished) {
        var why = ev.reason ? ": " + ev.reason : "";
        setStatus("Disconnected" + why, "error");
      }
    };
  }

  if (!jobId) {
    el("job-form").hidden = false;
    el("progress").hidden = true;
    setStatus("Enter a job id", "waiting");
    el("job-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var id = el("job-input").value.trim();
      var n = el("tasks-input").value.trim();
      if (!id) return;
      window.location.href = "/jobs/" + encodeURIComponent(id) + (n ? "?tasks=" + encodeURIComponent(n) : "");
    });
    return;
  }
  el("job-id").textContent = jobId;
  document.title = "Job " + jobId + " progress";
  updateBar();
  connect();
})();
