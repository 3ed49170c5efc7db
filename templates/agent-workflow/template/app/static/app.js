// Plain JS, no build step. Every value from the server is inserted as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let source = null;

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

async function refreshRuns() {
  const runs = await (await fetch("/runs")).json();
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
  const approvals = await (await fetch("/approvals")).json();
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

function watch(runId) {
  if (source) source.close();
  $("run-id").textContent = runId;
  $("run-status").textContent = "queued";
  $("events").replaceChildren();
  source = new EventSource(`/runs/${runId}/events`);
  const show = (type) => (event) => {
    const data = JSON.parse(event.data);
    let text = type;
    if (type === "step") text = `step ${data.step}: ${data.tool_calls.join(", ") || data.text}`;
    if (type === "tool_call") text = `${data.ok ? "ok" : "error"} ${data.name} ${JSON.stringify(data.args)}`;
    if (type === "approval_requested") { text = `waiting for approval: ${data.tool}`; $("run-status").textContent = "awaiting_approval"; refreshApprovals(); }
    if (type === "finished") { text = `finished: ${data.status} (${data.outcome})`; $("run-status").textContent = data.status; source.close(); refreshRuns(); }
    $("events").append(el("li", text));
  };
  for (const type of ["queued", "step", "tool_call", "approval_requested", "finished"]) {
    source.addEventListener(type, show(type));
  }
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

showPolicy();
refreshRuns();
refreshApprovals();
setInterval(() => { refreshRuns(); refreshApprovals(); }, 3000);
