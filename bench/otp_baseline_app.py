"""The baseline an OTP pair is measured against: a minimal *correct* OTP API in Flask.

What any honest OTP server must do and nothing more: a random 6-digit code
(``secrets``), only its HMAC at rest (keyed with the server secret, bound to
the verification id), one Lua script per start (the verification with its TTL
and attempt count, and the message in the sandbox outbox, as Sandi's sandbox
delivers it) and one per check (attempts counted, compared in constant time,
single use). No fraud guard, send limits, insights, delivery tracking, logs or
metrics: the difference to Sandi is the price of those. Same gunicorn
settings, same Redis, same client as ``bench/otp.py`` drives Sandi with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets

import redis
from flask import Flask, Response, request

from app.store import keys

app = Flask(__name__)
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])
_secret = os.environ.get("SANDI_SECRET_KEY", "bench-secret-key").encode()
_TTL = 600
_TRIES = 5

# KEYS[1] = verification, KEYS[2] = outbox of the address
# ARGV[1] = code hash, ARGV[2] = ttl s, ARGV[3] = tries, ARGV[4] = outbox entry
_START = _redis.register_script(
    """
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'left', ARGV[3], 'status', 'pending')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -50, -1)
redis.call('EXPIRE', KEYS[2], 86400)
return 1
"""
)

# KEYS[1] = verification; ARGV[1] = candidate hash
# Returns {status, tries left}
_CHECK = _redis.register_script(
    """
local s = redis.call('HMGET', KEYS[1], 'hash', 'left', 'status')
if not s[1] then return {'not_found', 0} end
if s[3] ~= 'pending' then return {s[3], 0} end
local left = tonumber(s[2])
if left <= 0 then return {'max_attempts_reached', 0} end
local a, b, diff = s[1], ARGV[1], 0
if #a ~= #b then diff = 1 end
for i = 1, math.min(#a, #b) do
  diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i)))
end
if diff == 0 then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'hash', '')
  return {'approved', left}
end
left = redis.call('HINCRBY', KEYS[1], 'left', -1)
return {'pending', left}
"""
)


def _hash(vid: str, code: str) -> str:
    return hmac.new(_secret, f"{vid}:{code}".encode(), hashlib.sha256).hexdigest()


def _json(body: object, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@app.post("/v1/verifications")
def start() -> Response:
    body = request.get_json(silent=True) or {}
    to = body.get("to")
    if not isinstance(to, str) or not to.startswith("+") or not to[1:].isdigit():
        return _json({"error": {"code": "invalid_to"}}, 400)
    vid = "VE" + secrets.token_hex(16)
    code = f"{secrets.randbelow(10**6):06d}"
    entry = json.dumps({"to": to, "body": f"Your code is {code}", "code": code})
    _START(
        keys=[f"otpbase:{{{vid}}}:v", keys.outbox(to)],
        args=[_hash(vid, code), _TTL, _TRIES, entry],
    )
    return _json({"id": vid, "to": to, "status": "pending"}, 201)


@app.post("/v1/verifications/check")
def check() -> Response:
    body = request.get_json(silent=True) or {}
    vid, code = body.get("id"), body.get("code")
    if not isinstance(vid, str) or not isinstance(code, str) or not code.isdigit():
        return _json({"error": {"code": "invalid_request"}}, 400)
    raw, left = _CHECK(keys=[f"otpbase:{{{vid}}}:v"], args=[_hash(vid, code)])
    status = raw.decode() if isinstance(raw, bytes) else str(raw)
    if status == "not_found":
        return _json({"error": {"code": "not_found"}}, 404)
    answer = {"id": vid, "status": status, "valid": status == "approved", "attempts_left": left}
    return _json(answer, 200)
