"""The fraud guard's Lua scripts: one scope (one hash tag) per call.

A prefix, a country and each source are separate scripts on separate tags,
never one script across them, so each runs on one Redis Cluster slot; a send
pipelines them in one round trip. Times come from the service's clock
(ARGV), never Redis's TIME, so tests move time by hand.

Counter fields: ``a:<5-min bucket>`` / ``o:<5-min bucket>`` sends and
approved sends in 5-minute buckets (the last hour), ``A:<hour>`` / ``O:<hour>``
the same per hour (the day and the baseline), ``first`` the hour the scope
was first seen (how much history its baseline has), ``swept5``/``swepth``
the oldest buckets not yet forgotten.
"""

from __future__ import annotations

# KEYS[1] = counts of the scope, KEYS[2] = its block key,
# KEYS[3] / KEYS[4] = destinations counted in this / the previous clock hour (sets)
# ARGV[1] = '1' to count a send, ARGV[2] = 5-minute bucket now, ARGV[3] = hour now,
# ARGV[4] = 5-minute buckets in the recent window (12), ARGV[5] = baseline hours,
# ARGV[6] = TTL ms of the counts, ARGV[7] = the destination's tag (a keyed digest),
# ARGV[8] = now ms (a block is '<reason>|<until ms>': in force until then on the
# service's clock; the key's TTL only cleans up)
# A destination is counted once an hour: a customer asking again and again is
# the per-number limits' business; pumping needs many numbers.
# Returns {hour sends, hour approved, day sends, day approved, baseline sends,
# baseline approved, worst baseline hour (unapproved), baseline hours, block reason or ''}.
OBSERVE = """
local b, h = tonumber(ARGV[2]), tonumber(ARGV[3])
local recent, base = tonumber(ARGV[4]), tonumber(ARGV[5])
local fresh = redis.call('SISMEMBER', KEYS[3], ARGV[7]) == 0
  and redis.call('SISMEMBER', KEYS[4], ARGV[7]) == 0
if ARGV[1] == '1' and fresh then
  redis.call('SADD', KEYS[3], ARGV[7])
  redis.call('PEXPIRE', KEYS[3], 7200000)
  redis.call('HINCRBY', KEYS[1], 'a:' .. b, 1)
  redis.call('HINCRBY', KEYS[1], 'A:' .. h, 1)
  redis.call('HSETNX', KEYS[1], 'first', h)
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  -- Forget buckets that left every window since the last sweep, so a scope
  -- kept alive by its traffic holds a bounded number of fields. The key's TTL
  -- bounds the gap; the loops are capped all the same.
  local swept = tonumber(redis.call('HGET', KEYS[1], 'swept5')) or (b - recent)
  for i = math.max(swept, b - recent - 400), b - recent do
    redis.call('HDEL', KEYS[1], 'a:' .. i, 'o:' .. i)
  end
  local swept_h = tonumber(redis.call('HGET', KEYS[1], 'swepth')) or (h - 2 - base)
  for i = math.max(swept_h, h - 2 - base - 200), h - 2 - base do
    redis.call('HDEL', KEYS[1], 'A:' .. i, 'O:' .. i)
  end
  redis.call('HSET', KEYS[1], 'swept5', b - recent + 1, 'swepth', h - 1 - base)
end
local function n(x) return tonumber(x) or 0 end
-- The baseline's hours (up to h - 2) no longer change once past, but for an
-- approval credited late (APPROVE drops the summary then): their sums are kept
-- in the 'sum' field for this hour and baseline, read back instead of the
-- hundreds of fields they come from (the country scope's ~700), and made
-- again when the hour turns. Only on a counted scope (its key has its TTL).
local ba, bo, worst, dab, dob
if base > 0 then
  local s = redis.call('HGET', KEYS[1], 'sum')
  if s then
    local sh, sb, x1, x2, x3, x4, x5 = string.match(
      s, '^(%d+)|(%d+)|(-?%d+)|(-?%d+)|(-?%d+)|(-?%d+)|(-?%d+)$')
    if tonumber(sh) == h and tonumber(sb) == base then
      ba, bo, worst, dab, dob = tonumber(x1), tonumber(x2), tonumber(x3), tonumber(x4), tonumber(x5)
    end
  end
end
if not ba then
  ba, bo, worst, dab, dob = 0, 0, 0, 0, 0
  if base > 0 then
    local old = {}
    for i = h - 1 - base, h - 2 do
      old[#old + 1] = 'A:' .. i
      old[#old + 1] = 'O:' .. i
    end
    local w = redis.call('HMGET', KEYS[1], unpack(old))
    local j = 1
    for i = h - 1 - base, h - 2 do
      local sends, ok = n(w[j]), n(w[j + 1])
      if i >= h - 23 then dab = dab + sends; dob = dob + ok end
      ba = ba + sends; bo = bo + ok
      if sends - ok > worst then worst = sends - ok end
      j = j + 2
    end
    if redis.call('EXISTS', KEYS[1]) == 1 then
      redis.call('HSET', KEYS[1], 'sum',
        h .. '|' .. base .. '|' .. ba .. '|' .. bo .. '|' .. worst .. '|' .. dab .. '|' .. dob)
    end
  end
end
local fields = {'first'}
for i = b - recent + 1, b do
  fields[#fields + 1] = 'a:' .. i
  fields[#fields + 1] = 'o:' .. i
end
fields[#fields + 1] = 'A:' .. (h - 1)
fields[#fields + 1] = 'O:' .. (h - 1)
fields[#fields + 1] = 'A:' .. h
fields[#fields + 1] = 'O:' .. h
local v = redis.call('HMGET', KEYS[1], unpack(fields))
local ha, ho = 0, 0
for i = 2, 1 + 2 * recent, 2 do ha = ha + n(v[i]); ho = ho + n(v[i + 1]) end
local j = 2 + 2 * recent
local da = dab + n(v[j]) + n(v[j + 2])
local dok = dob + n(v[j + 1]) + n(v[j + 3])
local first = tonumber(v[1])
local hours = 0
if first then hours = math.min(base, math.max(0, h - 1 - first)) end
local block = ''
local reason, untl = string.match(redis.call('GET', KEYS[2]) or '', '^(.*)|(%d+)$')
if reason and tonumber(untl) > tonumber(ARGV[8]) then block = reason end
return {ha, ho, da, dok, ba, bo, worst, hours, block}
"""

# KEYS[1] = counts of the scope
# ARGV[1] = 5-minute bucket of the verification's first send, ARGV[2] = its hour,
# ARGV[3] = sends to credit, ARGV[4] = TTL ms
# Credits approved sends only to a scope still counted (no key: nothing to credit).
# An hour already in OBSERVE's baseline summary ('sum': '<hour>|...') drops it.
APPROVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'o:' .. ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'O:' .. ARGV[2], ARGV[3])
local sh = tonumber(string.match(redis.call('HGET', KEYS[1], 'sum') or '', '^(%d+)|'))
if sh and tonumber(ARGV[2]) <= sh - 2 then redis.call('HDEL', KEYS[1], 'sum') end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
"""
