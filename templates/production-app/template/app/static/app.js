// Chat page: calls POST /chat with the user's API key and POST /feedback on thumbs.
// A message the API refuses (401, 413, 422, 429...) stays visible but is marked "not sent",
// with the server's reason, so the transcript never shows it as part of the conversation.
"use strict";

const $ = (id) => document.getElementById(id);
let conversationId = null;

$("api-key").value = sessionStorage.getItem("apiKey") || "";
$("api-key").addEventListener("change", () => sessionStorage.setItem("apiKey", $("api-key").value));

class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

// FastAPI answers {"detail": "..."} or, for validation errors, {"detail": [{loc, msg}, ...]}.
function reasonOf(status, data, retryAfter) {
  let reason = `HTTP ${status}`;
  if (typeof data.detail === "string") {
    reason = data.detail;
  } else if (Array.isArray(data.detail) && data.detail.length) {
    reason = data.detail
      .map((item) => {
        const where = (item.loc || []).filter((part) => part !== "body").join(".");
        return where ? `${where}: ${item.msg}` : String(item.msg);
      })
      .join("; ");
  }
  return retryAfter ? `${reason} (retry in ${retryAfter}s)` : reason;
}

async function api(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${$("api-key").value}` },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "the server could not be reached");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, reasonOf(response.status, data, response.headers.get("Retry-After")));
  }
  return data;
}

function bubble(role, text) {
  const node = document.createElement("div");
  node.className = `msg ${role}`;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  node.appendChild(body);
  $("conversation").appendChild(node);
  return node;
}

function markRefused(node, error) {
  node.classList.add("refused");
  node.dataset.status = String(error.status);
  const note = document.createElement("span");
  note.className = "refusal";
  note.textContent = error.status
    ? `Not sent (${error.status}): ${error.message}`
    : `Not sent: ${error.message}`;
  node.appendChild(note);
}

function addFeedback(node, messageId) {
  const box = document.createElement("div");
  box.className = "feedback";
  for (const [label, up] of [["Helpful", true], ["Not helpful", false]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.up = String(up);
    button.setAttribute("aria-label", up ? "thumbs up" : "thumbs down");
    button.addEventListener("click", async () => {
      const comment = up ? "" : (window.prompt("What was wrong?") || "");
      try {
        await api("/feedback", { message_id: messageId, thumbs_up: up, comment });
        box.textContent = "Thanks for the feedback.";
      } catch (error) {
        $("status").textContent = `Feedback not saved: ${error.message}`;
      }
    });
    box.appendChild(button);
  }
  node.appendChild(box);
}

$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = $("message").value.trim();
  if (!message) return;
  $("status").textContent = "";
  const sent = bubble("user", message);
  $("send").disabled = true;
  try {
    const data = await api("/chat", {
      message, task: $("task").value, conversation_id: conversationId,
    });
    conversationId = data.conversation_id;
    const node = bubble("assistant", data.reply);
    node.dataset.messageId = String(data.message_id);
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `${data.model} · ${data.route}${data.cached ? " · cached" : ""} · ` +
      `$${data.cost_usd.toFixed(6)} · ${data.latency_ms} ms`;
    node.appendChild(meta);
    addFeedback(node, data.message_id);
    $("message").value = "";
  } catch (error) {
    // The text stays in the box to fix or resend; the transcript says it never went through.
    markRefused(sent, error);
    $("status").textContent = `Message not sent: ${error.message}`;
  } finally {
    $("send").disabled = false;
  }
});

$("new-chat").addEventListener("click", () => {
  conversationId = null;
  $("conversation").replaceChildren();
  $("status").textContent = "";
});
