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

const money = (value) => `$${Number(value).toFixed(2)}`;

// A tool call as a sentence a reviewer can read, never as JSON.
function describeCall(name, args) {
  if (!args) return name;
  if (name === "issue_refund") return `Refund ${money(args.amount_usd)} on order ${args.order_id} (reason: ${args.reason})`;
  if (name === "escalate") return `Escalate to a team lead, ${args.priority} priority (reason: ${args.reason})`;
  if (name === "lookup_order") return `Look up order ${args.order_id}`;
  if (name === "lookup_customer") return `Look up customer ${args.email}`;
  if (name === "search_kb") return `Search the help centre for "${args.query}"`;
  if (name === "draft_reply") return `Draft a reply: ${args.subject}`;
  return `${name}: ${Object.entries(args).map(([k, v]) => `${k} = ${v}`).join(", ")}`;
}

// A labelled field; the value is text (line breaks kept by CSS), so markup in it stays inert.
function field(label, value, cls) {
  const row = el("div", undefined, `field ${cls || ""}`.trim());
  row.append(el("span", label, "label"), el("span", value, "value"));
  return row;
}

function ticketBlock(ticket) {
  const block = el("div", undefined, "ticket");
  block.append(el("p", ticket.subject || "(no subject)", "ticket-subject"));
  if (ticket.customer_email) block.append(el("p", `From: ${ticket.customer_email}`, "muted"));
  block.append(el("p", ticket.body, "ticket-body"));
  return block;
}

function orderBlock(order) {
  const refundWindow = order.refund_window;
  const status = refundWindow.open
    ? `open until ${refundWindow.ends_on}`
    : `closed on ${refundWindow.ends_on}`;
  const block = el("div", undefined, "order");
  block.append(
    field("Customer", `${order.customer_name} <${order.customer_email}>`, "customer"),
    field("Order", `${order.id}: ${order.item}, ${money(order.total_usd)}, ${order.status}` +
      (order.refunded_usd ? `, ${money(order.refunded_usd)} already refunded` : "")),
    field("Placed", `${order.placed_on} (${refundWindow.days_since_order} days ago); ${refundWindow.days}-day refund window ${status}`),
  );
  return block;
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
    const item = el("li", undefined, "card");
    item.dataset.approvalId = a.id;
    item.append(el("p", describeCall(a.tool, a.args), "action"));
    if (a.order) item.append(orderBlock(a.order));
    if (a.ticket) item.append(ticketBlock(a.ticket));
    item.append(el("p", `run ${a.run_id.slice(0, 8)}`, "muted small"));
    const controls = el("div", undefined, "controls");
    const comment = el("input");
    comment.placeholder = "comment";
    comment.className = "comment";
    controls.append(comment);
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
      controls.append(button);
    }
    item.append(controls);
    list.append(item);
  }
}

// One event of a run as readable text; a drafted reply keeps its line breaks.
function eventItem(type, data) {
  if (type === "step") return el("li", `step ${data.step}: ${data.tool_calls.join(", ") || data.text}`);
  if (type === "approval_requested") return el("li", `waiting for approval: ${describeCall(data.tool, data.args)}`);
  if (type === "finished") return el("li", `finished: ${data.status} (${data.outcome})` + (data.detail ? `: ${data.detail}` : ""));
  if (type !== "tool_call") return el("li", type);
  const item = el("li");
  const verdict = data.ok ? "ok" : "error";
  if (data.name === "draft_reply" && data.ok && data.args) {
    item.className = "reply";
    item.append(el("span", `${verdict}: reply drafted (a person sends it)`));
    const draft = el("div", undefined, "draft");
    draft.append(el("p", data.args.subject, "draft-subject"), el("p", data.args.body, "draft-body"));
    item.append(draft);
    return item;
  }
  item.append(el("span", `${verdict}: ${describeCall(data.name, data.args)}`));
  if (data.approval) item.append(el("span", ` (${data.approval} by a person)`, "muted"));
  if (!data.ok && data.result && data.result.error) item.append(el("div", data.result.error, "error"));
  return item;
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
  const controller = new AbortController();
  watching = controller;
  $("run-id").textContent = runId;
  $("run-ticket").replaceChildren();
  $("run-status").textContent = "queued";
  $("events").replaceChildren();
  const show = (type, data) => {
    if (type === "approval_requested") { $("run-status").textContent = "awaiting_approval"; refreshApprovals(); }
    if (type === "finished") { $("run-status").textContent = data.status; refreshRuns(); }
    $("events").append(eventItem(type, data));
  };
  getJSON(`/runs/${runId}`).then((run) => {
    if (run && watching === controller) $("run-ticket").replaceChildren(ticketBlock(run.ticket));
  });
  streamEvents(runId, show, controller.signal).catch((error) => {
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
