import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the shared limit store: one call decides one rule for one subject, so
 * a decision is atomic however many replicas ask at once. Each touches one key, whose name
 * carries the subject in a hash tag (`gh:{user=ana}:…`): a subject's keys share a cluster
 * slot. Numbers come back as strings: Redis turns a Lua number into an integer.
 */
export interface LimitScript {
  name: string;
  source: string;
  sha: string;
}

function script(name: string, source: string): LimitScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * GCRA over one TAT key (gcra.ts is the same arithmetic).
 * ARGV: now ms, period ms, limit, amount, op (take | force | adjust).
 * Returns {admitted 0|1, used units, retry ms}.
 */
export const GCRA = script(
  'gcra',
  `local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local t = period / tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local op = ARGV[5]
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + amount * t
if op == 'take' and nxt - now > period then
  return {0, tostring((tat - now) / t), tostring(nxt - period - now)}
end
if nxt < now then nxt = now end
if nxt > now then
  redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 1000)
else
  redis.call('DEL', KEYS[1])
end
return {1, tostring((nxt - now) / t), '0'}`,
);

/**
 * A budget's spend in one calendar period (the key names the period's start), as the
 * in-process budgets count it: refused once the spend has reached the limit, else the
 * estimate is reserved. ARGV: op (take | force | adjust | owed), limit, amount, ttl ms, seed.
 * `owed` is spend served on a replica's local share during an outage: added to a key that
 * survived, but not to one reseeded now, whose seed already holds it.
 * A missing key with no seed returns {-1}: the caller reseeds it from the usage rollups
 * (Redis lost it, or the period is new) and asks again with the seed, which is set only if
 * the key is still missing. Returns {admitted 0|1, spend}.
 */
export const BUDGET = script(
  'budget',
  `local op = ARGV[1]
local limit = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if not cur then
  if ARGV[5] == '' then return {-1, '0'} end
  cur = ARGV[5]
  redis.call('SET', KEYS[1], cur, 'PX', tonumber(ARGV[4]))
  if op == 'owed' then return {1, cur} end
end
cur = tonumber(cur)
if op == 'take' and cur >= limit then return {0, tostring(cur)} end
local spend = redis.call('INCRBYFLOAT', KEYS[1], tostring(amount))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return {1, spend}`,
);

/** A scope key as a hash tag: braces inside it would end the tag early. */
export function subjectTag(scope: string): string {
  return `{${scope.replace(/[{}]/g, (c) => (c === '{' ? '%7B' : '%7D'))}}`;
}
