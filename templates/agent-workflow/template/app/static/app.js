// Plain JS, no build step. Every value from the server is inserted as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let watching = null; // AbortController of the event stream being shown

function headers() {
  const token = $("token").value.trim();
  const h = { "Content-Type": "application/json" };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

// Runs and approvals hold customers' data: with API_TOKEN set, every read needs the token too.
async function getJSON(path) {
  const response = await fetch(path, { headers: headers() });
  if (response.status === 401) {
    $("auth-error").textContent = "Enter the API token (API_TOKEN) to see runs and approvals.";
    return null;
  }
  $("auth-error").textContent = "";
  return response.ok ? response.json() : null;
}

async function refreshRuns() {
  const runs = await getJSON("/runs");
  if (!runs) return;
  const body = $("runs");
  body.replaceChildren();
  for (const run of runs) {
    const row = el("tr", undefined, "clickable");
    row.dataset.runId = run.id;
    for (const value of [run.id.slice(0, 8), run.status, run.outcome || "", run.steps, `$${run.cost_usd.toFixed(4)}`]) {
      row.append(el("td", String(value)));
    }
    row.addEventListener("click", () => watch(run.id));
    body.append(row);
  }
}

async function refreshApprovals() {
  const approvals = await getJSON("/approvals");
  if (!approvals) return;
  const list = $("approvals");
  // Re-render only when the set changes, so a half-typed comment survives the refresh.
  const ids = approvals.map((a) => a.id).join(",");
  if (list.dataset.ids === ids && ids) return;
  list.dataset.ids = ids;
  list.replaceChildren();
  if (!approvals.length) list.append(el("li", "None.", "muted"));
  for (const a of approvals) {
    const item = el("li");
    item.dataset.approvalId = a.id;
    item.append(el("span", `${a.tool} ${JSON.stringify(a.args)} (run ${a.run_id.slice(0, 8)})`, "mono"));
    const comment = el("input");
    comment.placeholder = "comment";
    comment.className = "comment";
    item.append(comment);
    for (const decision of ["approve", "reject"]) {
      const button = el("button", decision === "approve" ? "Approve" : "Reject");
      button.className = decision;
      button.addEventListener("click", async () => {
        const response = await fetch(`/approvals/${a.id}`, {
          method: "POST", headers: headers(),
          body: JSON.stringify({ decision, comment: comment.value }),
        });
        if (!response.ok) $("form-error").textContent = `approval failed: ${response.status}`;
        refreshApprovals();
      });
      item.append(button);
    }
    list.append(item);
  }
}

// Server-sent events read through fetch: EventSource cannot send the Authorization header.
async function streamEvents(runId, onEvent, signal) {
  const response = await fetch(`/runs/${runId}/events`, { headers: headers(), signal });
  if (!response.ok) {
    $("auth-error").textContent = `cannot follow the run: ${response.status}`;
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let type = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) type = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) onEvent(type, JSON.parse(data));
    }
  }
}

function watch(runId) {
  if (watching) watching.abort();
  watching = new AbortController();
  $("run-id").textContent = runId;
  $("run-status").textContent = "queued";
  $("events").replaceChildren();
  const show = (type, data) => {
    let text = type;
    if (type === "step") text = `step ${data.step}: ${data.tool_calls.join(", ") || data.text}`;
    if (type === "tool_call") text = `${data.ok ? "ok" : "error"} ${data.name} ${JSON.stringify(data.args)}`;
    if (type === "approval_requested") { text = `waiting for approval: ${data.tool}`; $("run-status").textContent = "awaiting_approval"; refreshApprovals(); }
    if (type === "finished") { text = `finished: ${data.status} (${data.outcome})`; $("run-status").textContent = data.status; refreshRuns(); }
    $("events").append(el("li", text));
  };
  streamEvents(runId, show, watching.signal).catch((error) => {
    if (error.name !== "AbortError") $("auth-error").textContent = `event stream failed: ${error}`;
  });
}

$("ticket-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("form-error").textContent = "";
  const response = await fetch("/tickets", {
    method: "POST", headers: headers(),
    body: JSON.stringify({ subject: $("subject").value, body: $("body").value }),
  });
  if (!response.ok) { $("form-error").textContent = `could not submit: ${response.status}`; return; }
  const { run_id } = await response.json();
  $("body").value = "";
  watch(run_id);
  refreshRuns();
});

async function showPolicy() {
  const ready = await (await fetch("/readyz")).json();
  const offline = ready.provider === "offline";
  $("policy").textContent = `Policy: ${ready.model}` +
    (offline ? " (deterministic rules, no LLM: set LLM_PROVIDER for a real model)" : ` via ${ready.provider}`);
}

$("token").addEventListener("change", () => { refreshRuns(); refreshApprovals(); });
showPolicy();
refreshRuns();
refreshApprovals();
setInterval(() => { refreshRuns(); refreshApprovals(); }, 3000);
