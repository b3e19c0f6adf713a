import { afterAll, describe, expect, test } from "bun:test";
import type { HookSubject, Stage, StageOutcome } from "../../../runtime/hooks/stage.ts";
import { type RateLimit, rateLimitStage } from "../../../runtime/hooks/stages/rate-limit.ts";
import { tagOf, ValkeyWindowCounter } from "../../../runtime/hooks/valkey-window-counter.ts";
import {
  type AtomicWindowCounter,
  MemoryWindowCounter,
  type WindowAdmission,
} from "../../../runtime/hooks/window-counter.ts";
import {
  clusterSlot,
  countKeys,
  openValkeyForTest,
  recordScriptKeys,
} from "../../support/valkey.ts";

const WINDOW_MS = 60_000;
/** A window start far from zero, so that the clock reads like a real epoch time. */
const BASE = 28_000_000 * WINDOW_MS;

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

/** A counter backend; each call to `counter` returns one with no counts in it. */
interface Backend {
  name: string;
  counter(): AtomicWindowCounter;
}

let namespaces = 0;
const BACKENDS: Backend[] = [{ name: "memory", counter: () => new MemoryWindowCounter() }];
if (valkey !== null) {
  BACKENDS.push({
    name: "valkey",
    counter: () => new ValkeyWindowCounter(valkey.client, `${valkey.prefix}${namespaces++}:`),
  });
}

function subject(estimatedTokens = 10): HookSubject {
  return {
    phase: "request",
    requestId: "req_1",
    principal: { org: "acme", project: null, keyId: "key_1", ip: "203.0.113.7" },
    model: "gpt-test",
    sizeBytes: 100,
    headers: {},
    texts: [],
    estimatedTokens,
  };
}

/** Builds a rate-limit stage on a clock the test sets. */
function limiter(backend: Backend, limits: RateLimit[]) {
  const clock = { now: BASE };
  const stage: Stage = rateLimitStage(limits, backend.counter(), () => clock.now);
  const send = async (at: number, tokens?: number): Promise<StageOutcome> => {
    clock.now = at;
    return await stage.run(subject(tokens), { findings: [], labels: [] });
  };
  return { send };
}

type Send = (at: number, tokens?: number) => Promise<StageOutcome>;

/**
 * Checks that a request blocked at `at` is still blocked one second before its retry-after
 * and allowed exactly at it. Returns the retry-after in seconds.
 */
async function expectRetryAfterExact(send: Send, at: number, tokens?: number) {
  const blocked = await send(at, tokens);
  expect(blocked.verdict).toBe("block");
  expect(blocked.status).toBe(429);
  const seconds = blocked.retryAfterSeconds!;
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);

  if (seconds > 1) {
    expect((await send(at + (seconds - 1) * 1000, tokens)).verdict).toBe("block");
  }
  expect((await send(at + seconds * 1000, tokens)).verdict).toBe("allow");
  return seconds;
}

async function sendMany(send: Send, count: number, at: number, tokens?: number) {
  for (let i = 0; i < count; i++) expect((await send(at, tokens)).verdict).toBe("allow");
}

function retryAfterSuite(backend: Backend) {
  test("full current window waits into the next", async () => {
    const { send } = limiter(backend, [{ scope: "key", requests: 10, windowSeconds: 60 }]);
    await sendMany(send, 10, BASE + 1000);

    // 58 s to the window's end, then 6 s until 10 × (1 − 0.1) + 1 fits under 10.
    expect(await expectRetryAfterExact(send, BASE + 2000)).toBe(64);
  });

  test("previous window's weight decays", async () => {
    const { send } = limiter(backend, [{ scope: "key", requests: 10, windowSeconds: 60 }]);
    await sendMany(send, 10, BASE + 50_000);

    // In the next window, 10 × 59/60 + 1 > 10 until its weight falls to 0.9 at 6 s.
    expect(await expectRetryAfterExact(send, BASE + WINDOW_MS + 1000)).toBe(5);
  });

  test("both windows hold part of the count", async () => {
    const { send } = limiter(backend, [{ scope: "key", requests: 10, windowSeconds: 60 }]);
    await sendMany(send, 6, BASE + 30_000);
    await sendMany(send, 4, BASE + WINDOW_MS + 1000);

    // 4 + 6 × w + 1 ≤ 10 needs w ≤ 5/6, which is true from 10 s into the window.
    expect(await expectRetryAfterExact(send, BASE + WINDOW_MS + 2000)).toBe(8);
  });

  test("token limit waits into the next window", async () => {
    const { send } = limiter(backend, [{ scope: "org", tokens: 1000, windowSeconds: 60 }]);
    await sendMany(send, 3, BASE + 1000, 300);

    // 58 s to the window's end, then 900 × (1 − w) + 300 ≤ 1000 from 13.33 s in.
    expect(await expectRetryAfterExact(send, BASE + 2000, 300)).toBe(72);
  });

  test("token limit waits for previous decay", async () => {
    const { send } = limiter(backend, [{ scope: "org", tokens: 1000, windowSeconds: 60 }]);
    await sendMany(send, 3, BASE + 40_000, 300);

    // 900 × (1 − w) + 300 ≤ 1000 from w = 2/9, which is 13.33 s into the next window.
    expect(await expectRetryAfterExact(send, BASE + WINDOW_MS + 500, 300)).toBe(13);
  });

  test("several limits wait for the slowest", async () => {
    const { send } = limiter(backend, [
      { scope: "key", requests: 2, windowSeconds: 10 },
      { scope: "org", tokens: 100, windowSeconds: 60 },
    ]);
    await sendMany(send, 2, BASE + 1000, 50);

    const blocked = await send(BASE + 2000, 50);
    // The request limit fits again after 8 s + 5 s; the token limit needs 58 s + 30 s.
    expect(blocked.reason).toContain("100 tokens");
    expect(blocked.retryAfterSeconds).toBe(88);
    expect(await expectRetryAfterExact(send, BASE + 2000, 50)).toBe(88);
  });

  test("request over the token limit alone", async () => {
    const { send } = limiter(backend, [{ scope: "org", tokens: 100, windowSeconds: 60 }]);
    const blocked = await send(BASE + 1000, 150);
    expect(blocked.verdict).toBe("block");
    expect(blocked.retryAfterSeconds).toBe(60);
  });

  test("random traffic retries exactly at retry-after", async () => {
    // A fixed-seed generator, so that a failure reproduces.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };

    for (let round = 0; round < 200; round++) {
      const windowSeconds = 1 + Math.floor(random() * 90);
      const limit = 1 + Math.floor(random() * 20);
      const { send } = limiter(backend, [
        { scope: "key", requests: limit, windowSeconds },
        { scope: "org", tokens: limit * 100, windowSeconds },
      ]);
      let at = BASE + Math.floor(random() * windowSeconds * 1000);
      for (let step = 0; step < 3 * limit; step++) {
        // A request over the token limit by itself never fits; another test covers it.
        const tokens = 1 + Math.floor(random() * Math.min(150, limit * 100));
        const outcome = await send(at, tokens);
        if (outcome.verdict === "block") {
          await expectRetryAfterExact(send, at, tokens);
          at += outcome.retryAfterSeconds! * 1000;
        }
        at += Math.floor(random() * windowSeconds * 300);
      }
    }
  });
}

for (const backend of BACKENDS) {
  describe(`rate limit retry-after (${backend.name})`, () => retryAfterSuite(backend));
}

describe.skipIf(valkey === null)("valkey window counter", () => {
  test("same estimate as memory", async () => {
    const memory = new MemoryWindowCounter();
    const shared = new ValkeyWindowCounter(valkey!.client, `${valkey!.prefix}same:`);
    const steps: [number, number][] = [[1_000, 3], [20_000, 5], [61_000, 2], [95_000, 7]];
    for (const [offset, amount] of steps) {
      const charge = { key: "k", amount, limit: 1_000, windowMs: WINDOW_MS };
      memory.admit([charge], BASE + offset);
      await shared.admit([charge], BASE + offset);
      for (const probe of [0, 1_500, 30_000]) {
        const at = BASE + offset + probe;
        expect(await shared.count("k", WINDOW_MS, at)).toBe(memory.count("k", WINDOW_MS, at));
      }
    }
  });

  test("concurrent nodes never pass the limit", async () => {
    const prefix = `${valkey!.prefix}race:`;
    const nodes = [valkey!.client, await valkey!.connect(), await valkey!.connect()];
    const stages = nodes.map((client) => rateLimitStage(
      [{ scope: "key", requests: 50, windowSeconds: 60 }],
      new ValkeyWindowCounter(client, prefix), () => BASE + 1_000));

    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      stages[i % 3]!.run(subject(), { findings: [], labels: [] })));
    const allowed = outcomes.filter((outcome) => outcome.verdict === "allow");
    expect(allowed).toHaveLength(50);
  });

  test("blocked request adds nothing", async () => {
    const counter = new ValkeyWindowCounter(valkey!.client, `${valkey!.prefix}blocked:`);
    const charges = [
      { key: "req", amount: 1, limit: 5, windowMs: WINDOW_MS },
      { key: "tok", amount: 100, limit: 50, windowMs: WINDOW_MS },
    ];
    const admission = await counter.admit(charges, BASE);
    expect(admission.ok).toBe(false);
    if (!admission.ok) expect(admission.waits).toEqual([0, Infinity]);
    expect(await counter.count("req", WINDOW_MS, BASE)).toBe(0);
  });

  test("keys expire after two windows", async () => {
    const prefix = `${valkey!.prefix}expiry:`;
    const counter = new ValkeyWindowCounter(valkey!.client, prefix);
    await counter.admit([{ key: "k", amount: 1, limit: 5, windowMs: 10_000 }], Date.now());
    const ttl = await valkey!.client.pttl(`${prefix}{rl}:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(20_000);
    expect(await countKeys(valkey!.client, prefix)).toBe(1);
  });
});

describe.skipIf(valkey === null)("valkey rate-limit keys on a cluster", () => {
  const ORG_AND_KEY: RateLimit[] = [
    { scope: "org", requests: 100, tokens: 10_000, windowSeconds: 60 },
    { scope: "key", requests: 1, windowSeconds: 60 },
  ];

  test("scopes get their own tags", () => {
    expect(tagOf("rl:org:60:acme:req")).toBe("rl:org:acme");
    expect(tagOf("rl:org:3600:acme:tok")).toBe("rl:org:acme");
    expect(tagOf("rl:key:60:key_1:req")).toBe("rl:key:key_1");
    expect(tagOf("rl:ip:60:2001:db8::1:req")).toBe("rl:ip:2001:db8::1");
    expect(tagOf("custom")).toBe("rl");
    expect(clusterSlot("{rl:org:acme}")).not.toBe(clusterSlot("{rl:org:beta}"));
  });

  test("each script touches one slot", async () => {
    const client = await valkey!.connect();
    const calls = recordScriptKeys(client);
    const prefix = `${valkey!.prefix}slots:`;
    const stage = rateLimitStage(ORG_AND_KEY, new ValkeyWindowCounter(client, prefix),
      () => BASE);
    expect((await stage.run(subject(), { findings: [], labels: [] })).verdict).toBe("allow");
    expect((await stage.run(subject(), { findings: [], labels: [] })).verdict).toBe("block");

    // Allowed: org then key. Blocked: org, key, then the org's adds taken back.
    expect(calls).toHaveLength(5);
    for (const keys of calls) {
      expect(new Set(keys.map(clusterSlot)).size).toBe(1);
    }
    expect(calls[0]).toEqual([`${prefix}{rl:org:acme}:rl:org:60:acme:req`,
      `${prefix}{rl:org:acme}:rl:org:60:acme:tok`]);
  });

  test("blocked scope takes back earlier adds", async () => {
    const prefix = `${valkey!.prefix}undo:`;
    const counter = new ValkeyWindowCounter(valkey!.client, prefix);
    const stage = rateLimitStage(ORG_AND_KEY, counter, () => BASE);
    await stage.run(subject(), { findings: [], labels: [] });
    const blocked = await stage.run(subject(), { findings: [], labels: [] });
    expect(blocked.verdict).toBe("block");
    expect(await counter.count("rl:org:60:acme:req", WINDOW_MS, BASE)).toBe(1);
    expect(await counter.count("rl:org:60:acme:tok", WINDOW_MS, BASE)).toBe(10);
  });

  test("unchecked scope reports its wait", async () => {
    const counter = new ValkeyWindowCounter(valkey!.client, `${valkey!.prefix}waits:`);
    const charges = [
      { key: "rl:key:60:key_1:req", amount: 1, limit: 1, windowMs: WINDOW_MS },
      { key: "rl:org:60:acme:req", amount: 1, limit: 1, windowMs: WINDOW_MS },
    ];
    const memory = new MemoryWindowCounter();
    expect((await counter.admit(charges, BASE)).ok).toBe(true);
    memory.admit(charges, BASE);
    const admission = await counter.admit(charges, BASE + 30_000);
    expect(admission.ok).toBe(false);
    if (admission.ok) return;
    // The key scope rejects first, so the org script never runs; its wait is read instead.
    expect(admission.waits[1]).toBeGreaterThan(0);
    const expected: WindowAdmission = memory.admit(charges, BASE + 30_000);
    expect(admission as WindowAdmission).toEqual(expected);
  });
});
