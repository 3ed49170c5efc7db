// Upload, ask, and show the answer with clickable [n] citations. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);

function authHeaders() {
  const token = $("token").value.trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function refreshDocuments() {
  const response = await fetch("/documents");
  const docs = await response.json();
  const list = $("documents");
  list.replaceChildren(
    ...docs.map((doc) => {
      const item = document.createElement("li");
      item.textContent = `${doc.title} (${doc.filename}, ${doc.chunk_count} chunks)`;
      return item;
    }),
  );
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = new FormData();
  body.append("file", $("file").files[0]);
  const response = await fetch("/documents", { method: "POST", body, headers: authHeaders() });
  const result = await response.json();
  $("upload-status").textContent = response.ok
    ? `${result.document.filename}: ${result.status}`
    : `Upload failed: ${result.detail}`;
  await refreshDocuments();
});

function renderAnswer(result) {
  const answer = $("answer");
  answer.replaceChildren();
  // Split on [n] markers and turn each into a link to its citation below.
  for (const part of result.answer.split(/(\[\d+\])/)) {
    const match = part.match(/^\[(\d+)\]$/);
    if (match) {
      const link = document.createElement("a");
      link.href = `#citation-${match[1]}`;
      link.className = "citation-link";
      link.textContent = part;
      link.addEventListener("click", () => highlight(match[1]));
      answer.append(link);
    } else {
      answer.append(document.createTextNode(part));
    }
  }
  $("meta").textContent =
    `model ${result.model} · ${result.usage.input_tokens}+${result.usage.output_tokens} tokens` +
    ` · $${result.cost_usd.toFixed(6)} · ${Math.round(result.latency_ms)} ms`;
  $("citations").replaceChildren(
    ...result.citations.map((c) => {
      const item = document.createElement("li");
      item.id = `citation-${c.number}`;
      item.value = c.number;
      const where = c.page ? `page ${c.page}` : `chars ${c.start}-${c.end}`;
      const head = document.createElement("strong");
      head.textContent = `${c.title} (${where}, score ${c.score.toFixed(2)})`;
      const text = document.createElement("p");
      text.textContent = c.text;
      item.append(head, text);
      return item;
    }),
  );
}

function highlight(number) {
  for (const item of $("citations").children) {
    item.classList.toggle("active", item.id === `citation-${number}`);
  }
}

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("answer").textContent = "Thinking…";
  const response = await fetch("/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question: $("question").value }),
  });
  const result = await response.json();
  if (response.ok) {
    renderAnswer(result);
  } else {
    $("answer").textContent = `Error: ${result.detail}`;
  }
});

refreshDocuments();
