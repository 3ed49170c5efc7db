// Chat page: calls POST /chat with the user's API key and POST /feedback on thumbs.
"use strict";

const $ = (id) => document.getElementById(id);
let conversationId = null;

$("api-key").value = sessionStorage.getItem("apiKey") || "";
$("api-key").addEventListener("change", () => sessionStorage.setItem("apiKey", $("api-key").value));

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${$("api-key").value}` },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = response.headers.get("Retry-After");
    const detail = typeof data.detail === "string" ? data.detail : `HTTP ${response.status}`;
    throw new Error(retry ? `${detail} (retry in ${retry}s)` : detail);
  }
  return data;
}

function bubble(role, text) {
  const node = document.createElement("div");
  node.className = `msg ${role}`;
  node.textContent = text;
  $("conversation").appendChild(node);
  return node;
}

function addFeedback(node, messageId) {
  const box = document.createElement("div");
  box.className = "feedback";
  for (const [label, up] of [["👍 Helpful", true], ["👎 Not helpful", false]]) {
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
        $("status").textContent = error.message;
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
  bubble("user", message);
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
    $("status").textContent = error.message;
  } finally {
    $("send").disabled = false;
  }
});

$("new-chat").addEventListener("click", () => {
  conversationId = null;
  $("conversation").replaceChildren();
});
