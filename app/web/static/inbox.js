// Sandi inbox: polls /inbox/api/conversations (ETag, so an unchanged list costs a 304),
// shows the selected conversation, and posts replies, notes, assign and release.
"use strict";

const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
let etag = null;
let items = [];
let selected = null;
// Server time minus this browser's: wait times keep counting on the server's clock between polls.
let offset = 0;

function waited(seconds) {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function clock(ts) {
  return new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

const LANGUAGES = { id: "Bahasa Indonesia", en: "English" };

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || "HTTP " + response.status);
  return data;
}

function problem(text) {
  $("problem").textContent = text || "";
  $("problem").hidden = !text;
}

function drawList(now) {
  const list = $("waiting");
  list.replaceChildren();
  $("count").textContent = items.length ? `${items.length} waiting, longest first` : "nobody is waiting";
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "hint";
    li.textContent = "Nobody is waiting for a person. When a customer asks for one, the conversation appears here.";
    list.appendChild(li);
  }
  for (const item of items) {
    const li = document.createElement("li");
    li.dataset.conversation = item.conversation;
    li.setAttribute("aria-selected", String(item.conversation === selected));
    const wait = document.createElement("span");
    wait.className = "wait";
    wait.textContent = waited(Math.max(0, Math.floor(now - item.since)));
    const name = document.createElement("strong");
    name.textContent = item.name || item.number;
    const line = document.createElement("div");
    line.className = "line";
    const last = item.log.filter((e) => e.who === "customer").pop();
    line.textContent = `${item.channel === "whatsapp" ? "WhatsApp" : "SMS"} ${item.number}` +
      (item.assigned ? ` · ${item.assigned}` : " · unassigned") + (last ? ` · “${last.text}”` : "");
    li.append(wait, name, line);
    li.addEventListener("click", () => {
      selected = item.conversation;
      problem("");
      draw(Date.now() / 1000 + offset);
    });
    list.appendChild(li);
  }
}

function drawThread(now) {
  const item = items.find((i) => i.conversation === selected);
  $("thread").hidden = !item;
  $("nothing").hidden = Boolean(item);
  if (!item) return;
  $("who").textContent = item.name ? `${item.name} (${item.number})` : item.number;
  $("facts").textContent = [
    item.channel === "whatsapp" ? "WhatsApp" : "SMS",
    LANGUAGES[item.locale] || item.locale || "language unknown",
    `waiting ${waited(Math.max(0, Math.floor(now - item.since)))}`,
    item.assigned ? `assigned to ${item.assigned}` : "unassigned",
    `the bot takes over at ${clock(item.until)}`,
  ].join(" · ");
  $("assign").disabled = item.assigned === document.querySelector("main").dataset.me;
  const log = $("log");
  const key = JSON.stringify(item.log);
  if (log.dataset.key !== key) {
    log.dataset.key = key;
    log.replaceChildren();
    for (const entry of item.log) {
      const li = document.createElement("li");
      const staff = entry.who.startsWith("staff:");
      li.className = "bubble " + (staff ? "staff" : entry.who === "bot" ? "bot" : "customer");
      const by = document.createElement("span");
      by.className = "by";
      by.textContent = `${staff ? entry.who.slice(6) : entry.who} · ${clock(entry.at)}`;
      li.append(by, document.createTextNode(entry.text));
      log.appendChild(li);
    }
    log.scrollTop = log.scrollHeight;
  }
  const notes = $("notes");
  notes.replaceChildren();
  for (const n of item.notes) {
    const li = document.createElement("li");
    li.textContent = `${n.by} · ${clock(n.at)}: ${n.text}`;
    notes.appendChild(li);
  }
}

function draw(now) {
  drawList(now);
  drawThread(now);
}

async function refresh() {
  const headers = etag ? { "If-None-Match": etag } : {};
  const response = await fetch("/inbox/api/conversations", { headers, credentials: "same-origin" });
  if (response.status === 304) {
    draw(Date.now() / 1000 + offset);
    return;
  }
  if (!response.ok) {
    $("count").textContent = response.status === 401 ? "logged out: reload to log in" : `HTTP ${response.status}`;
    return;
  }
  etag = response.headers.get("ETag");
  const data = await response.json();
  offset = data.now - Date.now() / 1000;
  items = data.conversations;
  if (!selected && items.length) selected = items[0].conversation;
  draw(data.now);
}

async function act(path, body) {
  problem("");
  try {
    await post(path, { conversation: selected, ...body });
  } catch (err) {
    problem(err.message);
    return false;
  }
  etag = null;
  await refresh();
  return true;
}

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply").value;
  if (!text.trim()) return;
  if (await act("/inbox/api/reply", { text })) $("reply").value = "";
});
$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("note").value;
  if (!text.trim()) return;
  if (await act("/inbox/api/note", { text })) $("note").value = "";
});
$("assign").addEventListener("click", () => act("/inbox/api/assign", {}));
$("release").addEventListener("click", async () => {
  if (await act("/inbox/api/release", {})) selected = null;
  await refresh();
});
setInterval(refresh, 2000);
refresh();
