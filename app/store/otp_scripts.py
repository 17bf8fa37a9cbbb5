"""The Lua scripts behind :mod:`app.store.otp`, one per state change.

Each declares its KEYS and ARGV in a header comment; all keys of one script
share the destination's hash tag. Times are milliseconds from the service's
clock (ARGV), never Redis's own TIME, so tests can move time.
"""

from __future__ import annotations

HELPERS = """
local function same(a, b)
  if type(a) ~= 'string' or type(b) ~= 'string' or #a ~= #b or #a == 0 then return false end
  local diff = 0
  for i = 1, #a do
    diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i)))
  end
  return diff == 0
end
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function unlink_open(open_key, field, id)
  if field and redis.call('HGET', open_key, field) == id then
    redis.call('HDEL', open_key, field)
  end
end
"""

# KEYS[1] = state, KEYS[2] = open verifications of its destination
# finish(status, at_ms, keep_ms, field, id): end a verification and keep its status a while.
FINISH = """
local function finish(status, at, keep, field, id)
  redis.call('HSET', KEYS[1], 'status', status, 'ended_at', at, 'hash', '', 'sealed', '')
  unlink_open(KEYS[2], field, id)
  redis.call('PEXPIRE', KEYS[1], keep)
end
"""

# KEYS[1] = open verifications of the destination (hash: open field -> id, and
#           'claim:' .. open field -> '<token>:<until ms>' while one request sends)
# KEYS[2] = state of the verification read as open (KEYS[3] again when none)
# KEYS[3] = state of a new verification
# KEYS[4] = the destination's index (app.store.keys.destination_index): lists KEYS[3]
# ARGV[1] = open field, ARGV[2] = id read as open ('' if none), ARGV[3] = new id,
# ARGV[4] = now ms, ARGV[5] = 'claim' | 'commit' | 'create', ARGV[6] = 'new' | 'resend' (a new code
# for the open verification) | 'same' (the open verification's code again, hash and expiry
# kept, only if its seal is still ARGV[24]), ARGV[7] = code hash, ARGV[8] = digits, ARGV[9] = ttl s,
# ARGV[10] = max checks, ARGV[11] = max sends, ARGV[12] = cooldown s, ARGV[13] = retention s,
# ARGV[14] = to, ARGV[15] = channel, ARGV[16] = purpose, ARGV[17] = locale,
# ARGV[18] = amount, ARGV[19] = payee, ARGV[20] = claim token, ARGV[21] = claim lease ms,
# ARGV[22] = brand the message shows ('' = the server's), ARGV[23] = service ('' = /v1),
# ARGV[24] = the code sealed (app.otp.sealing) for a later resend ('' = none),
# ARGV[25] = now ms on the send limits' clock, ARGV[26..] = the destination's send limits
# (sends, seconds, ...; none: not counted here) with KEYS[5] = its send log
# (keys.otp_send_log): a claim granted in 'claim' or 'create' mode is counted there,
# a full window refuses it ('limited', ms until it has room) before anything is written.
# Each send is logged as a field 'attempt:<gen>' = '<ms>|<channel>'; 'code_length' keeps
# the digits asked for (a channel that dictates its code may change 'digits').
# 'claim' checks the rules and, if a code may go out, reserves the send for this token
# (others get 'cooldown' meanwhile), so that only the request that will send spends
# a unit of the send limits. 'commit' needs that claim, writes, and drops it. 'create'
# claims and, when the send is a new verification (nothing pending to resend), writes it
# at once with ARGV[6] = 'new' (RELEASE discards it if the send is refused after all);
# a resend is only claimed, as with 'claim'.
# Returns {kind, wait ms, send generation, id now open (on 'retry'), sends, attempts left,
# created at ms} (the last three once written).
START = (
    HELPERS
    + """
local now = tonumber(ARGV[4])
local commit = ARGV[5] == 'commit'
local create = ARGV[5] == 'create'
local ttl = tonumber(ARGV[9]) * 1000
local keep = tonumber(ARGV[13]) * 1000
local cooldown = tonumber(ARGV[12]) * 1000
local claim_field = 'claim:' .. ARGV[1]
local claim = redis.call('HGET', KEYS[1], claim_field)
if claim then
  local token, untl = string.match(claim, '^(.*):(%d+)$')
  if token ~= ARGV[20] and tonumber(untl) > now then
    return {'cooldown', math.max(cooldown, 1000), 0}
  end
  if commit and token ~= ARGV[20] then return {'retry', 0, 0} end
elseif commit then
  return {'retry', 0, 0}
end
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return {'retry', 0, 0, current} end
local function admit()
  -- limits' moving windows, one log for all of them: full if the n-th newest send is
  -- younger than the window
  local at, longest, most = tonumber(ARGV[25] or 0), 0, 0
  for i = 26, #ARGV - 1, 2 do
    local sends, ms = tonumber(ARGV[i]), tonumber(ARGV[i + 1]) * 1000
    local entry = redis.call('LINDEX', KEYS[5], sends - 1)
    if entry and tonumber(entry) >= at - ms then return tonumber(entry) + ms - at end
    longest, most = math.max(longest, ms), math.max(most, sends)
  end
  if most > 0 then
    redis.call('LPUSH', KEYS[5], at)
    redis.call('LTRIM', KEYS[5], 0, most - 1)
    redis.call('PEXPIRE', KEYS[5], longest)
  end
  return nil
end
local function reserve(kind)
  local wait = admit()
  if wait then return {'limited', math.max(wait, 1), 0} end
  redis.call('HSET', KEYS[1], claim_field, ARGV[20] .. ':' .. (now + tonumber(ARGV[21])))
  extend(KEYS[1], ttl + keep)
  return {kind, 0, 0}
end
if current ~= '' then
  local s = redis.call('HMGET', KEYS[2], 'status', 'expires_at', 'sends', 'last_sent', 'amount', 'payee')
  local status, expires = s[1], tonumber(s[2] or 0)
  if (status == 'pending' or status == 'max_attempts_reached') and now < expires then
    if status == 'max_attempts_reached' then return {'locked', expires - now, 0} end
    if (s[5] or '') ~= ARGV[18] or (s[6] or '') ~= ARGV[19] then return {'binding_conflict', 0, 0} end
    if tonumber(s[3]) >= tonumber(ARGV[11]) then return {'max_sends', expires - now, 0} end
    local wait = tonumber(s[4]) + cooldown - now
    if wait > 0 then return {'cooldown', wait, 0} end
    if not commit then return reserve('resend') end
    if ARGV[6] ~= 'resend' and ARGV[6] ~= 'same' then return {'retry', 0, 0} end
    if ARGV[6] == 'same' and redis.call('HGET', KEYS[2], 'sealed') ~= ARGV[24] then
      return {'retry', 0, 0, current}
    end
    redis.call('HDEL', KEYS[1], claim_field)
    local gen = redis.call('HINCRBY', KEYS[2], 'gen', 1)
    redis.call('HINCRBY', KEYS[2], 'sends', 1)
    -- A resend never raises the tries left, and a flash call's fewer tries apply at once.
    local cap = math.min(tonumber(redis.call('HGET', KEYS[2], 'max_checks')), tonumber(ARGV[10]))
    redis.call('HSET', KEYS[2], 'max_checks', cap)
    if ARGV[6] == 'resend' then
      redis.call('HSET', KEYS[2], 'hash', ARGV[7], 'digits', ARGV[8], 'expires_at', now + ttl,
        'code_length', ARGV[8], 'sealed', ARGV[24])
      redis.call('PEXPIRE', KEYS[2], ttl + keep)
    end
    redis.call('HSET', KEYS[2], 'last_sent', now, 'channel', ARGV[15], 'locale', ARGV[17],
      'brand', ARGV[22], 'attempt:' .. gen, ARGV[4] .. '|' .. ARGV[15],
      'delivery_channel', '', 'message_id', '', 'delivery_status', '', 'delivery_error', '')
    extend(KEYS[1], ttl + keep)
    extend(KEYS[4], ttl + keep)
    local f = redis.call('HMGET', KEYS[2], 'sends', 'failures', 'max_checks', 'created_at')
    return {'resent', 0, gen, '', tonumber(f[1]), tonumber(f[3]) - tonumber(f[2]), tonumber(f[4])}
  end
  if commit or create then
    if status == 'pending' then
      redis.call('HSET', KEYS[2], 'status', 'expired', 'ended_at', expires, 'hash', '',
        'sealed', '')
    end
    redis.call('HDEL', KEYS[1], ARGV[1])
  end
end
if not commit and not create then return reserve('new') end
if ARGV[6] ~= 'new' then return {'retry', 0, 0} end
if create then
  local wait = admit()
  if wait then return {'limited', math.max(wait, 1), 0} end
end
redis.call('HDEL', KEYS[1], claim_field)
local bound = '0'
if ARGV[18] ~= '' or ARGV[19] ~= '' then bound = '1' end
redis.call('HSET', KEYS[3], 'id', ARGV[3], 'to', ARGV[14], 'channel', ARGV[15],
  'purpose', ARGV[16], 'locale', ARGV[17], 'status', 'pending', 'hash', ARGV[7],
  'digits', ARGV[8], 'created_at', now, 'last_sent', now, 'expires_at', now + ttl,
  'sends', 1, 'failures', 0, 'max_checks', ARGV[10], 'gen', 1, 'redeliveries', 0,
  'amount', ARGV[18], 'payee', ARGV[19], 'bound', bound, 'open_field', ARGV[1],
  'code_length', ARGV[8], 'brand', ARGV[22], 'attempt:1', ARGV[4] .. '|' .. ARGV[15],
  'service', ARGV[23] or '', 'sealed', ARGV[24] or '', 'delivery_channel', '', 'message_id', '', 'delivery_status', '', 'delivery_error', '')
redis.call('PEXPIRE', KEYS[3], ttl + keep)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
extend(KEYS[1], ttl + keep)
redis.call('SADD', KEYS[4], KEYS[3])
extend(KEYS[4], ttl + keep)
return {'created', 0, 1, '', 1, tonumber(ARGV[10]), now}
"""
)

# KEYS[1] = open verifications of the destination; to discard: KEYS[2] = the state START
# 'create' wrote, KEYS[3] = the destination's index
# ARGV[1] = open field, ARGV[2] = claim token, ARGV[3] = the id 'create' wrote ('' = none)
# Drops this token's claim (its send was refused after all), and the verification
# 'create' wrote for it: its code never went out. Returns 1 if it held either.
RELEASE = """
local done = 0
local claim = redis.call('HGET', KEYS[1], 'claim:' .. ARGV[1])
if claim and string.sub(claim, 1, #ARGV[2] + 1) == ARGV[2] .. ':' then
  redis.call('HDEL', KEYS[1], 'claim:' .. ARGV[1])
  done = 1
end
if ARGV[3] and ARGV[3] ~= '' then
  if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[3] then redis.call('HDEL', KEYS[1], ARGV[1]) end
  redis.call('SREM', KEYS[3], KEYS[2])
  done = done + redis.call('DEL', KEYS[2])
end
return done
"""

# KEYS[1] = verification state, KEYS[2] = open verifications of its destination,
# KEYS[3] = its insights trace (keys.otp_trace: the same hash tag), read on an approval
# ARGV[1] = now ms, ARGV[2] = candidate code hash, ARGV[3] = candidate length,
# ARGV[4] = '1' when amount/payee were given, ARGV[5] = purpose ('' = any), ARGV[6] = retention s,
# ARGV[7] = '1' to require ARGV[8] as the service ('' = /v1's own), '0' for any
# Returns {kind, attempts left, status, digits expected, ms until a lock ends} and, once
# compared, the verification's destination and purpose; an approval also its trace
# (HGETALL's flat list; empty without one).
CHECK = (
    HELPERS
    + FINISH
    + """
local s = redis.call('HMGET', KEYS[1], 'status', 'expires_at', 'failures', 'max_checks',
  'digits', 'hash', 'bound', 'purpose', 'open_field', 'id', 'to', 'service')
local status = s[1]
if not status or (ARGV[5] ~= '' and s[8] ~= ARGV[5]) then return {'not_found', 0, '', 0, 0} end
if ARGV[7] == '1' and (s[12] or '') ~= ARGV[8] then return {'not_found', 0, '', 0, 0} end
local now, expires, keep = tonumber(ARGV[1]), tonumber(s[2]), tonumber(ARGV[6]) * 1000
if status == 'pending' and now >= expires then
  finish('expired', expires, keep, s[9], s[10])
  return {'expired', 0, 'expired', 0, 0}
end
if status == 'max_attempts_reached' and now < expires then
  return {'max_attempts_reached', 0, status, 0, expires - now}
end
if status ~= 'pending' then return {'not_pending', 0, status, 0, 0} end
if tonumber(ARGV[3]) ~= tonumber(s[5]) then return {'bad_length', 0, status, tonumber(s[5]), 0} end
if s[7] == '1' and ARGV[4] ~= '1' then return {'binding_required', 0, status, 0, 0} end
if s[7] ~= '1' and ARGV[4] == '1' then return {'binding_unexpected', 0, status, 0, 0} end
local failures, max = tonumber(s[3]), tonumber(s[4])
if failures >= max then
  redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached', 'hash', '', 'sealed', '')
  return {'max_attempts_reached', 0, 'max_attempts_reached', 0, expires - now}
end
if same(s[6], ARGV[2]) then
  finish('approved', now, keep, s[9], s[10])
  local trace = {}
  if KEYS[3] then trace = redis.call('HGETALL', KEYS[3]) end
  return {'approved', max - failures, 'approved', 0, 0, s[11], s[8], trace}
end
failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= max then
  -- Locked, and the open field keeps pointing here: no new code for this
  -- destination and purpose until this one would have expired.
  redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached', 'ended_at', now, 'hash', '',
    'sealed', '')
  return {'locked_now', 0, 'max_attempts_reached', 0, expires - now, s[11], s[8]}
end
return {'wrong', max - failures, 'pending', 0, 0, s[11], s[8]}
"""
)

# KEYS[1] = verification state, KEYS[2] = open verifications of its destination
# ARGV[1] = now ms, ARGV[2] = retention s
# Returns {kind, 0, status, 0, 0}.
CANCEL = (
    HELPERS
    + FINISH
    + """
local s = redis.call('HMGET', KEYS[1], 'status', 'expires_at', 'open_field', 'id')
if not s[1] then return {'not_found', 0, '', 0, 0} end
local now, keep = tonumber(ARGV[1]), tonumber(ARGV[2]) * 1000
if s[1] == 'pending' and now >= tonumber(s[2]) then
  finish('expired', tonumber(s[2]), keep, s[3], s[4])
  return {'not_pending', 0, 'expired', 0, 0}
end
if s[1] ~= 'pending' then return {'not_pending', 0, s[1], 0, 0} end
finish('canceled', now, keep, s[3], s[4])
return {'canceled', 0, 'canceled', 0, 0}
"""
)

# KEYS[1] = verification state, KEYS[2] = open verifications of its destination
# ARGV[1] = now ms, ARGV[2] = code hash, ARGV[3] = digits, ARGV[4] = ttl s, ARGV[5] = channel,
# ARGV[6] = max redeliveries, ARGV[7] = retention s, ARGV[8] = the new code sealed ('' = none)
# Returns {kind, 0, send generation}.
REDELIVER = (
    HELPERS
    + FINISH
    + """
local s = redis.call('HMGET', KEYS[1], 'status', 'expires_at', 'redeliveries', 'open_field', 'id')
if not s[1] then return {'not_found', 0, 0} end
local now, keep, ttl = tonumber(ARGV[1]), tonumber(ARGV[7]) * 1000, tonumber(ARGV[4]) * 1000
if s[1] == 'pending' and now >= tonumber(s[2]) then
  finish('expired', tonumber(s[2]), keep, s[4], s[5])
  return {'not_pending', 0, 0}
end
if s[1] ~= 'pending' then return {'not_pending', 0, 0} end
if tonumber(s[3]) >= tonumber(ARGV[6]) then return {'max_redeliveries', 0, 0} end
redis.call('HINCRBY', KEYS[1], 'redeliveries', 1)
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'hash', ARGV[2], 'digits', ARGV[3], 'last_sent', now,
  'expires_at', now + ttl, 'sealed', ARGV[8] or '', 'channel', ARGV[5], 'attempt:' .. gen, ARGV[1] .. '|' .. ARGV[5],
  'delivery_channel', '', 'message_id', '', 'delivery_status', '', 'delivery_error', '')
redis.call('PEXPIRE', KEYS[1], ttl + keep)
return {'resent', 0, gen}
"""
)

# KEYS[1] = verification state, KEYS[2] = the destination's index (keys.destination_index)
# ARGV[1] = send generation, ARGV[2] = channel used, ARGV[3] = message id, ARGV[4] = status,
# ARGV[5] = error code, ARGV[6] = code hash dictated by the channel ('' = keep), ARGV[7] = digits,
# ARGV[8] = the message's delivery record key ('' = none), ARGV[9] = its ttl s
# Lists the delivery record in the index (for export and erasure) whatever happens next.
# Returns 1 when recorded, 0 when a newer send has happened since.
RECORD_DELIVERY = """
if ARGV[8] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[8])
  if redis.call('TTL', KEYS[2]) < tonumber(ARGV[9]) then redis.call('EXPIRE', KEYS[2], ARGV[9]) end
end
if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'channel', ARGV[2], 'delivery_channel', ARGV[2],
  'message_id', ARGV[3], 'delivery_status', ARGV[4], 'delivery_error', ARGV[5])
local attempt = redis.call('HGET', KEYS[1], 'attempt:' .. ARGV[1])
if attempt then
  -- The send's log entry names the channel actually used ('auto' resolved).
  local at = string.match(attempt, '^(%d+)|')
  redis.call('HSET', KEYS[1], 'attempt:' .. ARGV[1], at .. '|' .. ARGV[2])
end
if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'status') == 'pending' then
  -- A channel-dictated code (a flash call's caller id) is not one a resend can repeat.
  redis.call('HSET', KEYS[1], 'hash', ARGV[6], 'digits', ARGV[7], 'sealed', '')
end
return 1
"""

# KEYS[1] = verification state
# ARGV[1] = message id, ARGV[2] = status, ARGV[3] = error code
# Returns 1 when recorded; 0 for another message's callback or a step backwards.
DELIVERY_STATUS = """
local s = redis.call('HMGET', KEYS[1], 'message_id', 'delivery_status')
if not s[1] or s[1] == '' or s[1] ~= ARGV[1] then return 0 end
local rank = {queued = 1, accepted = 1, scheduled = 1, sending = 2, sent = 3,
  delivered = 4, undelivered = 4, failed = 4, canceled = 4, read = 5}
local current, new = s[2] or '', ARGV[2]
local rc, rn = rank[current] or 0, rank[new]
if not rn then return 0 end
if rc >= 4 and not (current == 'delivered' and new == 'read') then return 0 end
if rn <= rc then return 0 end
redis.call('HSET', KEYS[1], 'delivery_status', new, 'delivery_error', ARGV[3])
return 1
"""
