import { LuaScript } from "../storage/valkey/lua-script.ts";

/**
 * Lua shared by the quota scripts. A counter is a hash with fields `t:<bucket>` (tokens) and
 * `u:<bucket>` (USD), which contain settled spend plus the estimates of reservations in flight,
 * and `T:<bucket>` and `U:<bucket>`, which contain settled spend only. `<bucket>` is the bucket's
 * start in epoch ms as the caller wrote it. Amounts travel as strings and are added with
 * HINCRBYFLOAT, so no Lua number formatting (which keeps 14 digits) touches them.
 *
 * A reservation record is the JSON of its buckets and negated estimate, or RELEASED_RECORD when
 * a release came before its reserve ran (see RELEASE).
 */
const PRELUDE = `
-- Valid JSON with no buckets, so a node of the previous version that reaps it drops it
-- rather than failing to decode it.
local RELEASED_RECORD = '{"released":true,"buckets":[],"tokens":"0","usd":"0"}'

local function read_rows(key, oldest)
  local flat = redis.call('HGETALL', key)
  local by_bucket, starts = {}, {}
  for i = 1, #flat, 2 do
    local start = tonumber(string.sub(flat[i], 3))
    if start >= oldest then
      local row = by_bucket[start]
      if row == nil then
        row = { start = start, t = 0, u = 0, T = 0, U = 0, raw_start = string.sub(flat[i], 3),
          raw_t = '0', raw_u = '0', raw_T = '0', raw_U = '0' }
        by_bucket[start] = row
        starts[#starts + 1] = start
      end
      local unit = string.sub(flat[i], 1, 1)
      row[unit] = tonumber(flat[i + 1])
      row['raw_' .. unit] = flat[i + 1]
    end
  end
  table.sort(starts)
  local rows = {}
  for i, start in ipairs(starts) do rows[i] = by_bucket[start] end
  return rows
end

-- Sums oldest first, the order in which over-limit.ts sums, so the doubles agree.
local function sum(rows, unit)
  local used = 0
  for _, row in ipairs(rows) do used = used + row[unit] end
  return used
end

-- Adds to a bucket, drops buckets no window counts any more, and keeps the key alive for one
-- more window.
local function add(key, bucket, tokens, usd, oldest, ttl)
  redis.call('HINCRBYFLOAT', key, 't:' .. bucket, tokens)
  redis.call('HINCRBYFLOAT', key, 'u:' .. bucket, usd)
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if tonumber(string.sub(field, 3)) < oldest then redis.call('HDEL', key, field) end
  end
  redis.call('PEXPIRE', key, ttl)
end

-- Adds real spend: to the admission totals like any amount, and to the settled-only fields.
local function add_settled(key, bucket, tokens, usd, oldest, ttl)
  redis.call('HINCRBYFLOAT', key, 'T:' .. bucket, tokens)
  redis.call('HINCRBYFLOAT', key, 'U:' .. bucket, usd)
  add(key, bucket, tokens, usd, oldest, ttl)
end

-- Takes an estimate back from the buckets it was added to. A bucket already pruned is out of
-- every window, so recreating it with a negative amount would only waste memory.
local function take_back(records, id)
  local record = redis.call('HGET', records, id)
  if not record or record == RELEASED_RECORD then return false end
  local reservation = cjson.decode(record)
  for _, entry in ipairs(reservation.buckets) do
    if redis.call('HEXISTS', entry[1], 't:' .. entry[2]) == 1 then
      redis.call('HINCRBYFLOAT', entry[1], 't:' .. entry[2], reservation.tokens)
      redis.call('HINCRBYFLOAT', entry[1], 'u:' .. entry[2], reservation.usd)
    end
  end
  redis.call('HDEL', records, id)
  return true
end

-- Takes back reservations whose lease ended, such as those of a node that crashed.
local function reap(leases, records, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, 100)) do
    take_back(records, id)
    redis.call('HDEL', records, id)
    redis.call('ZREM', leases, id)
  end
end
`;

/**
 * KEYS: leases, records, counter 1..n, all under one hash tag.
 * ARGV: now, lease end, reservation id, record JSON, n, estimate tokens, estimate USD, and how
 * long the leases and records keys must live, in ms.
 * Then per counter: bucket, oldest bucket, TTL ms.
 * Then m, and per hard check: counter number, tokens limit or '', USD limit or ''.
 * Returns {1} when reserved, {2} when the id was released before this call ran, or
 * {0, check number, start, tokens, usd, settled tokens, settled usd, …} with the rows of the
 * first check the estimate takes over its limit.
 */
export const RESERVE = new LuaScript(`${PRELUDE}
local now = tonumber(ARGV[1])
reap(KEYS[1], KEYS[2], now)
-- The caller gave up on this call (it timed out) and released the id before it ran.
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return { 2 } end
local n = tonumber(ARGV[5])
local estimate = { t = tonumber(ARGV[6]), u = tonumber(ARGV[7]) }
local checks_at = 9 + 3 * n
for check = 1, tonumber(ARGV[checks_at]) do
  local base = checks_at + (check - 1) * 3
  local counter = tonumber(ARGV[base + 1])
  local oldest = tonumber(ARGV[9 + (counter - 1) * 3 + 1])
  local rows = read_rows(KEYS[2 + counter], oldest)
  local limits = { t = ARGV[base + 2], u = ARGV[base + 3] }
  for _, unit in ipairs({ 't', 'u' }) do
    if limits[unit] ~= '' then
      local slack = 0
      if unit == 'u' then slack = 1e-9 end
      if sum(rows, unit) + estimate[unit] > tonumber(limits[unit]) + slack then
        local reply = { 0, check }
        for _, row in ipairs(rows) do
          reply[#reply + 1] = row.raw_start
          reply[#reply + 1] = row.raw_t
          reply[#reply + 1] = row.raw_u
          reply[#reply + 1] = row.raw_T
          reply[#reply + 1] = row.raw_U
        end
        return reply
      end
    end
  end
end
for i = 1, n do
  local base = 9 + (i - 1) * 3
  add(KEYS[2 + i], ARGV[base], ARGV[6], ARGV[7], tonumber(ARGV[base + 1]), ARGV[base + 2])
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
-- Per-scope bookkeeping keys of an org that goes quiet would otherwise stay forever. Once
-- they expire, every lease in them has ended and every bucket they name has left its window.
local keep = tonumber(ARGV[8])
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
end
return { 1 }
`);

/**
 * Settles a batch of reservations under one hash tag, in order.
 * KEYS: leases, records, then per settle its counter 1..n and one alert marker per soft check.
 * ARGV: the number of settles, then per settle: now, reservation id, n, actual tokens, actual
 * USD, per counter (bucket, oldest bucket, TTL ms), m, and per soft check: counter number,
 * settled field ('T' or 'U'), limit, window ms. Soft checks read settled spend only, so
 * estimates in flight never raise an alert.
 * Returns, per settle, the number of alerts k and then k pairs {check number, used}: the soft
 * checks over their limit with no alert in the last window. It sets those checks' markers, so
 * the caller records each alert once.
 */
export const SETTLE = new LuaScript(`${PRELUDE}
local reply = {}
local a, k = 2, 3
for _ = 1, tonumber(ARGV[1]) do
  local now = tonumber(ARGV[a])
  take_back(KEYS[2], ARGV[a + 1])
  redis.call('ZREM', KEYS[1], ARGV[a + 1])
  local n = tonumber(ARGV[a + 2])
  local counters_at = a + 5
  for i = 1, n do
    local base = counters_at + (i - 1) * 3
    add_settled(KEYS[k + i - 1], ARGV[base], ARGV[a + 3], ARGV[a + 4],
      tonumber(ARGV[base + 1]), ARGV[base + 2])
  end
  local raised = {}
  local checks_at = counters_at + 3 * n
  local m = tonumber(ARGV[checks_at])
  for check = 1, m do
    local base = checks_at + (check - 1) * 4
    local counter = tonumber(ARGV[base + 1])
    local oldest = tonumber(ARGV[counters_at + (counter - 1) * 3 + 1])
    local used = sum(read_rows(KEYS[k + counter - 1], oldest), ARGV[base + 2])
    local window = tonumber(ARGV[base + 4])
    local marker = KEYS[k + n + check - 1]
    local last = redis.call('GET', marker)
    if used > tonumber(ARGV[base + 3]) and not (last and tonumber(last) > now - window) then
      redis.call('SET', marker, ARGV[a], 'PX', window)
      raised[#raised + 1] = check
      raised[#raised + 1] = string.format('%.17g', used)
    end
  end
  reply[#reply + 1] = #raised / 2
  for _, item in ipairs(raised) do reply[#reply + 1] = item end
  a = checks_at + 1 + 4 * m
  k = k + n + m
end
return reply
`);

/**
 * KEYS: leases, records. ARGV: reservation id, lease end, TTL ms of both keys.
 * Takes the estimate back if it is still reserved. An id with no record gets RELEASED_RECORD
 * until its lease end, because a reserve that timed out on the client may still be queued on
 * the server, and RESERVE then adds nothing. So releasing an id that was never reserved, or
 * twice, changes no counter.
 */
export const RELEASE = new LuaScript(`${PRELUDE}
if take_back(KEYS[2], ARGV[1]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[2], ARGV[1], RELEASED_RECORD)
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  local keep = tonumber(ARGV[3])
  for i = 1, 2 do
    if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
  end
end
return 0
`);

/**
 * KEYS: alerts, alert sequence. ARGV: now, alerts kept, then one alert JSON per alert.
 * Appends each alert after a sequence number, so alerts of the same ms keep their order, and
 * drops the oldest beyond the number kept.
 */
export const RECORD_ALERTS = new LuaScript(`
for i = 3, #ARGV do
  local sequence = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], ARGV[1], string.format('%016d', sequence) .. '|' .. ARGV[i])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[2]))
return 1
`);

/**
 * KEYS: value index, tag by value. ARGV: bucket, oldest bucket, TTL ms, then per axis value
 * that spent in the bucket: the value and the hash tag of its counter, or '' to store none.
 * Raises each value's score to the bucket, drops values with no spend in the window along
 * with their tags, and keeps both keys alive for one more window.
 */
export const INDEX_VALUES = new LuaScript(`
for i = 4, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[i])
  if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
if #expired > 0 then
  redis.call('HDEL', KEYS[2], unpack(expired))
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`);
