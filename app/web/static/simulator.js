// Sandi simulator: a phone-like chat that posts to the real (signed) webhook
// through /simulator/api/send, and an outbox pane of what would have gone out.
"use strict";

const $ = (id) => document.getElementById(id);
const chat = $("chat");
const outbox = $("outbox");

function customer() {
  return { channel: $("channel").value, from: $("number").value.trim() };
}

function scrollDown() {
  chat.scrollTop = chat.scrollHeight;
}

function bubble(kind, text) {
  chat.querySelector(".hint")?.remove();
  const li = document.createElement("li");
  li.className = "bubble " + kind;
  li.textContent = text;
  chat.appendChild(li);
  scrollDown();
  return li;
}

function hint(list, text) {
  const li = document.createElement("li");
  li.className = "hint";
  li.textContent = text;
  list.appendChild(li);
}

function emptyChat() {
  chat.replaceChildren();
  hint(chat, "Type halo or hello to start, as a customer would. Codes you are sent appear in the outbox on the right.");
}

// Buttons of earlier replies stay visible but no longer answer: as on a phone, only the
// newest choices are live.
function retireButtons() {
  for (const button of chat.querySelectorAll(".buttons button")) button.disabled = true;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      // Every page API that changes something needs the page's CSRF token.
      "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content,
    },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error((data.error && data.error.message) || "HTTP " + response.status);
  }
  return data;
}

function showReplies(replies) {
  const whatsapp = $("channel").value === "whatsapp";
  for (const reply of replies) {
    const buttons = reply.buttons || [];
    if (!reply.text.trim() && !buttons.length) continue;
    let text = reply.text;
    if (!whatsapp && buttons.length) {
      // SMS has no buttons: the customer gets a numbered list, as Twilio would deliver it.
      text += "\n\n" + buttons.map((b, i) => `${i + 1}. ${b.title}`).join("\n");
    }
    const li = bubble("out", text);
    if (whatsapp && buttons.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      for (const b of buttons) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.dataset.payload = b.payload;
        btn.addEventListener("click", () => send(b.title, b.payload));
        box.appendChild(btn);
      }
      li.appendChild(box);
    }
  }
  scrollDown(); // after the buttons are drawn, so they are not cut off below
}

async function send(text, payload) {
  if (!text.trim()) return; // WhatsApp sends no empty message
  retireButtons();
  bubble("in", text);
  try {
    const body = { ...customer(), body: text, profile_name: $("name").value };
    if (payload) body.button_payload = payload;
    const data = await api("/simulator/api/send", body);
    if (data.status !== 200) bubble("error", `The bot could not answer (HTTP ${data.status}). Try again in a moment.`);
    showReplies(data.replies);
  } catch (err) {
    bubble("error", err.message);
  }
  refreshOutbox();
}

function describe(entry) {
  const extra = entry.extra || {};
  if (entry.channel === "flashcall" && extra.caller) return "Missed call from " + extra.caller;
  if (entry.channel === "email" && extra.subject) return extra.subject + "\n\n" + entry.body;
  return entry.body;
}

// Addresses other than the number that this conversation's codes went to (a new
// e-mail address): kept until Reset, so a used code stays readable.
let codeAddresses = [];

// Outbox entries already in the chat (by sid). The bot's own answers come back in
// the webhook's TwiML and never reach the sandbox outbox; what does reach it for
// this number (a staff reply from /inbox, the release notice, an on_timeout
// answer) was sent through the REST API, so the phone shows it as it arrives.
// null until the first poll: what was there before the page opened is not news.
let pushed = null;
let resets = 0; // a poll that started before a Reset must not replay the old outbox

function isPushed(entry, to, channel) {
  return !entry.code && entry.to === to && entry.channel === channel && entry.sid;
}

function showPushed(data, channel) {
  const fresh = data.messages.filter((e) => isPushed(e, data.to, channel));
  if (pushed === null) {
    pushed = new Set(fresh.map((e) => e.sid));
    return;
  }
  for (const entry of fresh) {
    if (pushed.has(entry.sid)) continue;
    pushed.add(entry.sid);
    if (entry.body && entry.body.trim()) bubble("out pushed", entry.body).title = "sent through the REST API";
  }
}

async function refreshOutbox() {
  const { channel, from } = customer();
  if (!from) return;
  const generation = resets;
  const query = new URLSearchParams({ to: from, channel });
  for (const address of codeAddresses) query.append("also", address);
  const response = await fetch("/simulator/api/outbox?" + query);
  if (!response.ok) return;
  const data = await response.json();
  codeAddresses = (data.addresses || []).filter((a) => a !== data.to);
  const same = channel === customer().channel && from === customer().from;
  if (same && generation === resets) showPushed(data, channel);
  outbox.replaceChildren();
  if (!data.messages.length) hint(outbox, "Nothing sent yet. Codes sent by SMS, WhatsApp, voice call, flash call or e-mail appear here, to read and type back.");
  for (const entry of data.messages.slice().reverse()) {
    const li = document.createElement("li");
    li.className = "entry";
    li.dataset.channel = entry.channel;
    const meta = document.createElement("div");
    meta.className = "meta";
    const where = entry.to && entry.to !== from ? ` to ${entry.to}` : "";
    meta.textContent = `${entry.channel.toUpperCase()}${where} · ${new Date(entry.created_at).toLocaleTimeString()}`;
    const pre = document.createElement("pre");
    pre.textContent = describe(entry);
    li.append(meta, pre);
    if (entry.code) {
      // The code on its own, large, ready to read and type back into the chat.
      const code = document.createElement("div");
      code.className = "code";
      code.textContent = entry.code;
      li.appendChild(code);
    }
    outbox.appendChild(li);
  }
}

async function reset() {
  await api("/simulator/api/reset", { ...customer(), locale: $("locale").value });
  codeAddresses = [];
  resets += 1;
  pushed = new Set(); // the outbox was just cleared: whatever comes next is news
  emptyChat();
  refreshOutbox();
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value;
  $("message").value = "";
  send(text);
  $("message").focus();
});
$("reset").addEventListener("click", reset);
$("locale").addEventListener("change", reset);
$("channel").addEventListener("change", () => {
  $("phone-title").textContent = $("channel").value === "whatsapp" ? "WhatsApp" : "SMS";
  reset();
});
$("number").addEventListener("change", reset);
// The same banner as /flows while an edit on disk is refused: shown and cleared
// live, from the status both pages poll.
const flowsStatus = $("flows-status");

function showProblem(error) {
  const li = document.createElement("li");
  li.className = "error";
  const head = document.createElement("div");
  const where = document.createElement("code");
  where.className = "where";
  where.textContent = error.where;
  const label = document.createElement("strong");
  label.textContent = "error:";
  head.append(where, " ", label, " " + error.message);
  li.appendChild(head);
  if (error.excerpt && error.excerpt.length) {
    const pre = document.createElement("pre");
    pre.className = "excerpt";
    for (const line of error.excerpt) {
      const span = document.createElement("span");
      span.className = line.here ? "here" : "";
      span.textContent = `${String(line.number).padStart(4)} | ${line.text}`;
      pre.append(span, "\n");
      if (line.here) pre.append(`     | ${" ".repeat(Math.max(0, error.col - 1))}^\n`);
    }
    li.appendChild(pre);
  }
  return li;
}

let shownRejected = null;

async function checkFlows() {
  let status;
  try {
    const response = await fetch(flowsStatus.dataset.statusUrl, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return;
    status = await response.json();
  } catch (err) {
    return; // the server is restarting: try again next time
  }
  const rejected = status.rejected || "";
  if (rejected === shownRejected) return;
  shownRejected = rejected;
  flowsStatus.hidden = !rejected;
  $("flows-status-count").textContent = String(status.errors.length);
  $("flows-status-errors").replaceChildren(...status.errors.map(showProblem));
}

async function startFlow() {
  const { startFlow: flow, startText: text, startPayload: payload } = flowsStatus.dataset;
  if (!flow) return;
  $("phone-title").textContent += ` · trying ${flow}`;
  await reset();
  await send(text || flow, payload || undefined);
}

setInterval(refreshOutbox, 2000);
setInterval(checkFlows, 2000);
emptyChat();
refreshOutbox();
checkFlows();
startFlow();
