// Upload, delete, ask, and show the answer with clickable [n] citations whose cited sentences
// are marked inside their chunk. No framework, no build step.
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
      // Titles and names come from uploaded files: always text, never markup.
      const item = document.createElement("li");
      item.dataset.documentId = doc.id;
      const label = document.createElement("span");
      label.textContent = `${doc.title} (${doc.filename}, ${doc.chunk_count} chunks)`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "delete";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", `Delete ${doc.title}`);
      remove.addEventListener("click", () => deleteDocument(doc));
      item.append(label, remove);
      return item;
    }),
  );
}

async function deleteDocument(doc) {
  // confirm() shows its text as plain text, so a hostile title cannot inject anything.
  if (!window.confirm(`Delete "${doc.title}" (${doc.filename}) and its ${doc.chunk_count} chunks?`)) {
    return;
  }
  const response = await fetch(`/documents/${encodeURIComponent(doc.id)}`, {
    method: "DELETE",
    headers: authHeaders(),
  });
  if (response.ok) {
    $("upload-status").textContent = `Deleted ${doc.filename}.`;
  } else {
    const result = await response.json().catch(() => ({}));
    $("upload-status").textContent = `Delete failed: ${result.detail || `HTTP ${response.status}`}`;
  }
  await refreshDocuments();
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
      item.append(head, chunkText(c.text, c.highlights || []));
      return item;
    }),
  );
}

// The chunk as text nodes, with the sentences the answer cites wrapped in <mark>. The server's
// offsets count code points; Array.from does too (String.slice would count UTF-16 units).
function chunkText(text, spans) {
  const chars = Array.from(text);
  const paragraph = document.createElement("p");
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at || end > chars.length) continue;
    paragraph.append(document.createTextNode(chars.slice(at, start).join("")));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(start, end).join("");
    paragraph.append(mark);
    at = end;
  }
  paragraph.append(document.createTextNode(chars.slice(at).join("")));
  return paragraph;
}

function highlight(number) {
  for (const item of $("citations").children) {
    item.classList.toggle("active", item.id === `citation-${number}`);
  }
  const mark = document.querySelector(`#citation-${number} mark`);
  if (mark) mark.scrollIntoView({ block: "center" });
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
