// Twilio's official Node SDK (twilio-node, pinned in package.json), unmodified,
// against a live Sandi /v2. Run by tests/web/verify_v2/test_node_sdk.py, which starts
// the server and passes SANDI_URL, SANDI_KEY_SID and SANDI_KEY_SECRET.
//
// Covers services (create, fetch, update, list with pagination, delete), every
// channel, wrong and right checks, fetch by sid and by To, cancel, resend, and
// the error paths an app branches on (20003, 20404, 60200, 60202, 20429, 60605).
// Codes are read off the sandbox outbox as a customer reads a message.
// Prints one line per step and "N passed, N failed" at the end; exits 1 on a failure.
"use strict";

const assert = require("node:assert/strict");
const twilio = require("twilio");

const BASE = process.env.SANDI_URL;
const SID = process.env.SANDI_KEY_SID;
const SECRET = process.env.SANDI_KEY_SECRET;
const CUSTOMER = "+6281234567890";
const EMAIL = "budi@example.co.id";
const ACCOUNT = "AC" + "0".repeat(32); // the SDK wants one; Sandi answers with its own

function client(sid = SID, secret = SECRET) {
  const c = twilio(sid, secret, { accountSid: ACCOUNT });
  c.verify.baseUrl = BASE; // the one line an app changes
  return c.verify.v2;
}

async function outbox(to) {
  const answer = await fetch(`${BASE}/sandbox/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(answer.status, 200);
  return (await answer.json()).messages;
}

async function lastCode(to) {
  const messages = await outbox(to);
  assert.ok(messages.length, `nothing was sent to ${to}`);
  const last = messages[messages.length - 1];
  if (last.channel === "flashcall") {
    return String(last.extra.caller).slice(-Number(last.extra.code_length));
  }
  if (last.code && last.body.replace(/ /g, "").includes(last.code)) return last.code;
  const spoken = last.body.match(/\d(?:, \d)+/);
  if (spoken) return spoken[0].replace(/, /g, "");
  return last.body.match(/\b\d{4,10}\b/)[0];
}

function wrong(code) {
  const next = (BigInt(code) + 1n) % 10n ** BigInt(code.length);
  return next.toString().padStart(code.length, "0");
}

async function refused(promise, code, status) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof twilio.RestException, `not a RestException: ${err}`);
    assert.equal(err.code, code, err.message);
    if (status !== undefined) assert.equal(err.status, status, err.message);
    return err;
  }
  assert.fail(`expected Twilio error ${code}`);
}

const steps = [];
const step = (name, run) => steps.push({ name, run });
const verify = client();
let service; // the SDK's ServiceContext of the main service
let serviceSid;

step("services: create, fetch, update", async () => {
  const created = await verify.services.create({ friendlyName: "Toko Budi", codeLength: 8 });
  assert.match(created.sid, /^VA[0-9a-f]{32}$/);
  assert.equal(created.friendlyName, "Toko Budi");
  assert.equal(created.codeLength, 8);
  assert.equal(created.psd2Enabled, false);
  assert.ok(created.dateCreated instanceof Date && !isNaN(created.dateCreated));
  serviceSid = created.sid;
  service = verify.services(serviceSid);
  const fetched = await service.fetch();
  assert.equal(fetched.sid, serviceSid);
  const updated = await service.update({ friendlyName: "Toko Budi Jaya", codeLength: 6 });
  assert.equal(updated.friendlyName, "Toko Budi Jaya");
  assert.equal(updated.codeLength, 6);
  const payment = await verify.services.create({ friendlyName: "Bayar", psd2Enabled: true });
  assert.equal(payment.psd2Enabled, true);
  await verify.services(payment.sid).remove();
});

step("services: list and page through them", async () => {
  const names = ["Satu", "Dua", "Tiga"];
  for (const friendlyName of names) await verify.services.create({ friendlyName });
  const all = await verify.services.list();
  assert.ok(all.length >= 4);
  const paged = await verify.services.list({ pageSize: 1 }); // follows next_page_url
  assert.deepEqual(paged.map((s) => s.sid), all.map((s) => s.sid));
  const first = await verify.services.page({ pageSize: 2 });
  assert.equal(first.instances.length, 2);
  const second = await first.nextPage();
  assert.ok(second && second.instances.length >= 1);
  assert.notEqual(second.instances[0].sid, first.instances[0].sid);
  let seen = 0;
  await verify.services.each({ pageSize: 2 }, () => (seen += 1));
  assert.equal(seen, all.length);
  const extra = all.filter((s) => names.includes(s.friendlyName));
  for (const s of extra) assert.equal(await verify.services(s.sid).remove(), true);
  await refused(verify.services(extra[0].sid).fetch(), 20404, 404);
});

const channels = [
  ["sms", CUSTOMER, "sms"],
  ["whatsapp", "+6281234567891", "whatsapp"],
  ["call", "+6281234567892", "call"],
  ["email", EMAIL, "email"],
  ["flashcall", "+6281234567893", "flashcall"],
  ["auto", "+6281234567894", "whatsapp"],
];
for (const [channel, to, used] of channels) {
  step(`every channel: ${channel} delivers a code that checks`, async () => {
    const v = await service.verifications.create({ to, channel });
    assert.match(v.sid, /^VE[0-9a-f]{32}$/);
    assert.equal(v.status, "pending");
    assert.equal(v.channel, used);
    assert.equal(v.serviceSid, serviceSid);
    assert.equal(v.sendCodeAttempts[0].channel, used);
    const code = await lastCode(to);
    const bad = await service.verificationChecks.create({ to, code: wrong(code) });
    assert.equal(bad.status, "pending");
    assert.equal(bad.valid, false);
    const good = await service.verificationChecks.create({ verificationSid: v.sid, code });
    assert.equal(good.status, "approved");
    assert.equal(good.valid, true);
    await refused(service.verifications(v.sid).fetch(), 20404, 404); // ended: gone
  });
}

step("fetch by sid and by To, then cancel", async () => {
  const v = await service.verifications.create({ to: EMAIL, channel: "email" });
  assert.equal((await service.verifications(v.sid).fetch()).sid, v.sid);
  assert.equal((await service.verifications(EMAIL).fetch()).sid, v.sid);
  const canceled = await service.verifications(v.sid).update({ status: "canceled" });
  assert.equal(canceled.status, "canceled");
  await refused(service.verifications(EMAIL).fetch(), 20404, 404);
  await refused(service.verificationChecks.create({ to: EMAIL, code: "123456" }), 20404, 404);
});

step("a resend within the cooldown is 20429; the same code then checks", async () => {
  const to = "+6281234567895";
  const v = await service.verifications.create({ to, channel: "sms" });
  const err = await refused(service.verifications.create({ to, channel: "sms" }), 20429, 429);
  assert.match(err.message, /moments ago/);
  const good = await service.verificationChecks.create({ to, code: await lastCode(to) });
  assert.equal(good.sid, v.sid);
});

step("five wrong codes lock (60202)", async () => {
  const to = "+6281234567896";
  await service.verifications.create({ to, channel: "sms" });
  const code = await lastCode(to);
  let last;
  for (let i = 0; i < 5; i += 1) {
    last = await service.verificationChecks.create({ to, code: wrong(code) });
  }
  assert.equal(last.status, "max_attempts_reached");
  await refused(service.verificationChecks.create({ to, code }), 60202, 429);
});

step("error paths: 60200, 60605, 20404, 20003", async () => {
  const bad = await refused(service.verifications.create({ to: CUSTOMER, channel: "pigeon" }), 60200, 400);
  assert.match(bad.message, /`Channel`/);
  await refused(service.verifications.create({ to: "0812345", channel: "sms" }), 60200, 400);
  await refused(verify.services.create({ friendlyName: "A".repeat(33) }), 60200, 400);
  await refused(service.verifications.create({ to: "+12025550123", channel: "sms" }), 60605, 403);
  await refused(verify.services("VA" + "0".repeat(32)).fetch(), 20404, 404);
  await refused(service.verificationChecks.create({ verificationSid: "VE" + "1".repeat(32), code: "123456" }), 20404, 404);
  await refused(client(SID, "wrong-secret").services.list(), 20003, 401);
});

step("delete the service", async () => {
  assert.equal(await service.remove(), true);
  await refused(service.fetch(), 20404, 404);
});

(async () => {
  let passed = 0;
  let failed = 0;
  for (const { name, run } of steps) {
    try {
      await run();
      passed += 1;
      console.log(`ok - ${name}`);
    } catch (err) {
      failed += 1;
      console.log(`not ok - ${name}\n  ${String(err && err.stack ? err.stack : err).replace(/\n/g, "\n  ")}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
