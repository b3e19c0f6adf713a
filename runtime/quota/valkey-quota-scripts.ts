import { LuaScript } from "../storage/valkey/lua-script.ts";

/**
 * Lua shared by the quota scripts. A counter is a hash with fields `t:<bucket>` (tokens) and
 * `u:<bucket>` (USD), where `<bucket>` is the bucket's start in epoch ms as the caller wrote
 * it. Amounts travel as strings and are added with HINCRBYFLOAT, so no Lua number formatting
 * (which keeps 14 digits) touches them.
 */
const PRELUDE = `
local function read_rows(key, oldest)
  local flat = redis.call('HGETALL', key)
  local by_bucket, starts = {}, {}
  for i = 1, #flat, 2 do
    local start = tonumber(string.sub(flat[i], 3))
    if start >= oldest then
      local row = by_bucket[start]
      if row == nil then
        row = { start = start, t = 0, u = 0, raw_start = string.sub(flat[i], 3),
          raw_t = '0', raw_u = '0' }
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

-- Adds to a bucket, drops buckets no window counts any more, and keeps the key and the
-- axis's value index alive for one more window.
local function add(key, bucket, tokens, usd, oldest, ttl, index, value)
  redis.call('HINCRBYFLOAT', key, 't:' .. bucket, tokens)
  redis.call('HINCRBYFLOAT', key, 'u:' .. bucket, usd)
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if tonumber(string.sub(field, 3)) < oldest then redis.call('HDEL', key, field) end
  end
  redis.call('PEXPIRE', key, ttl)
  redis.call('ZADD', index, 'GT', bucket, value)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. oldest)
  redis.call('PEXPIRE', index, ttl)
end

-- Takes an estimate back from the buckets it was added to. A bucket already pruned is out of
-- every window, so recreating it with a negative amount would only waste memory.
local function take_back(records, id)
  local record = redis.call('HGET', records, id)
  if not record then return false end
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
    redis.call('ZREM', leases, id)
  end
end
`;

/**
 * KEYS: leases, records, counter 1..n, value index 1..n.
 * ARGV: now, lease end, reservation id, record JSON, n, estimate tokens, estimate USD.
 * Then per counter: bucket, oldest bucket, TTL ms, axis value.
 * Then m, and per hard check: counter number, tokens limit or '', USD limit or ''.
 * Returns {1} when reserved, or {0, check number, start, tokens, usd, …} with the rows of the
 * first check the estimate takes over its limit.
 */
export const RESERVE = new LuaScript(`${PRELUDE}
local now = tonumber(ARGV[1])
reap(KEYS[1], KEYS[2], now)
local n = tonumber(ARGV[5])
local estimate = { t = tonumber(ARGV[6]), u = tonumber(ARGV[7]) }
local checks_at = 8 + 4 * n
for check = 1, tonumber(ARGV[checks_at]) do
  local base = checks_at + (check - 1) * 3
  local counter = tonumber(ARGV[base + 1])
  local oldest = tonumber(ARGV[8 + (counter - 1) * 4 + 1])
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
        end
        return reply
      end
    end
  end
end
for i = 1, n do
  local base = 8 + (i - 1) * 4
  add(KEYS[2 + i], ARGV[base], ARGV[6], ARGV[7], tonumber(ARGV[base + 1]), ARGV[base + 2],
    KEYS[2 + n + i], ARGV[base + 3])
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return { 1 }
`);

/**
 * KEYS: leases, records, alerts, alert sequence, counter 1..n, value index 1..n, then one
 * alert marker per soft check.
 * ARGV: now, reservation id, n, actual tokens, actual USD, alerts kept.
 * Then per counter: bucket, oldest bucket, TTL ms, axis value.
 * Then m, and per soft check: counter number, unit ('t' or 'u'), limit, window ms, and the
 * alert's JSON without its closing `,"used":…}`.
 * Returns {check number, used, …} for each soft check that recorded an alert.
 */
export const SETTLE = new LuaScript(`${PRELUDE}
local now = tonumber(ARGV[1])
take_back(KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[2])
local n = tonumber(ARGV[3])
for i = 1, n do
  local base = 7 + (i - 1) * 4
  add(KEYS[4 + i], ARGV[base], ARGV[4], ARGV[5], tonumber(ARGV[base + 1]), ARGV[base + 2],
    KEYS[4 + n + i], ARGV[base + 3])
end
local raised = {}
local checks_at = 7 + 4 * n
for check = 1, tonumber(ARGV[checks_at]) do
  local base = checks_at + (check - 1) * 5
  local counter = tonumber(ARGV[base + 1])
  local oldest = tonumber(ARGV[7 + (counter - 1) * 4 + 1])
  local used = sum(read_rows(KEYS[4 + counter], oldest), ARGV[base + 2])
  local window = tonumber(ARGV[base + 4])
  local marker = KEYS[4 + 2 * n + check]
  local last = redis.call('GET', marker)
  if used > tonumber(ARGV[base + 3]) and not (last and tonumber(last) > now - window) then
    redis.call('SET', marker, ARGV[1], 'PX', window)
    local used_text = string.format('%.17g', used)
    local sequence = redis.call('INCR', KEYS[4])
    local member = string.format('%016d', sequence) .. '|' .. ARGV[base + 5] ..
      ',"used":' .. used_text .. '}'
    redis.call('ZADD', KEYS[3], now, member)
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[6]))
    raised[#raised + 1] = check
    raised[#raised + 1] = used_text
  end
end
return raised
`);

/** KEYS: leases, records. ARGV: reservation id. Takes the estimate back if still held. */
export const RELEASE = new LuaScript(`${PRELUDE}
take_back(KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`);
