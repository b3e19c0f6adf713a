import type { Database } from "bun:sqlite";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SqliteControlStore } from "../../runtime/controls/sqlite-control-store.ts";
import type { ControlName, ControlScope } from "../../runtime/controls/types.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
/** A second connection to the gateway's store, as the CLI would open. */
let cliDb: Database;
let cli: SqliteControlStore;
let acmeKey: string;
let acmeOtherKey: string;
let globexKey: string;
let acmeKeyId: string;

const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: { request: [{ stage: "keyword_filter", words: ["Project Falcon"], action: "block" }] },
  },
};

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ compliance: COMPLIANCE }) });
  acmeKey = await harness.createKey({ name: "acme-1" });
  acmeOtherKey = await harness.createKey({ name: "acme-2" });
  globexKey = await harness.createKey({ org: "globex" });
  acmeKeyId = (await harness.gateway.context.keys.list()).find((k) => k.name === "acme-1")!.id;
  cliDb = openEmbeddedDatabase(harness.dataDir);
  cli = new SqliteControlStore(cliDb);
});
afterAll(async () => {
  cliDb.close();
  await harness.close();
});
beforeEach(async () => {
  // Lift whatever a previous test left engaged, and wait for the gateway to notice.
  const left = await cli.list();
  for (const control of left) {
    await cli.lift({ control: control.control, scope: control, actor: "test" });
  }
  if (left.length > 0) await Bun.sleep(150);
  harness.simulator.reset();
});

/** Engages through the CLI's connection and waits until the gateway's poll has seen it. */
async function engage(control: ControlName, scope: ControlScope, reason: string,
  expiresAt: number | null = null): Promise<void> {
  cli.engage({ control, scope, reason, actor: "tester", expiresAt });
  await Bun.sleep(150);
}

async function lift(control: ControlName, scope: ControlScope): Promise<void> {
  cli.lift({ control, scope, actor: "tester" });
  await Bun.sleep(150);
}

function post(path: string, secret: string, body: unknown): Promise<Response> {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json",
      "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
}

function chat(secret: string, content = "hello", stream = false): Promise<Response> {
  return post("/v1/chat/completions", secret,
    { model: "gpt-test", stream, messages: [{ role: "user", content }] });
}

function messages(secret: string, stream = false): Promise<Response> {
  return post("/v1/messages", secret, { model: "claude-test", max_tokens: 50, stream,
    messages: [{ role: "user", content: "hello" }] });
}

/** One request per route, with the error shape each route must reply in. */
const ROUTES: [string, "openai" | "anthropic", (secret: string) => Promise<Response>][] = [
  ["/v1/chat/completions", "openai", (secret) => chat(secret)],
  ["/v1/embeddings", "openai", (secret) =>
    post("/v1/embeddings", secret, { model: "embed-test", input: "hello" })],
  ["/v1/responses", "openai", (secret) =>
    post("/v1/responses", secret, { model: "gpt-test", input: "hello" })],
  ["/v1/models", "openai", (secret) =>
    fetch(`${harness.gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })],
  ["/v1/messages", "anthropic", (secret) => messages(secret)],
];

/** Asserts a kill-switch 503 in the route's error shape and returns its message. */
async function expectKilled(response: Response, shape: "openai" | "anthropic"):
  Promise<string> {
  expect(response.status).toBe(503);
  const body = (await response.json()) as Record<string, any>;
  if (shape === "openai") {
    expect(body.error.code).toBe("kill_switch_engaged");
    expect(body.error.type).toBe("api_error");
    return String(body.error.message);
  }
  expect(body.type).toBe("error");
  expect(body.error.details.error_code).toBe("kill_switch_engaged");
  return String(body.error.message);
}

describe("kill switch tiers", () => {
  test("global blocks every route in its shape", async () => {
    await engage("kill", { tier: "global", target: "" }, "provider breach");
    for (const [path, shape, send] of ROUTES) {
      const response = await send(globexKey);
      const message = await expectKilled(response, shape);
      expect(message, path).toContain("global kill switch");
      expect(message, path).toContain("provider breach");

      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(event?.status, path).toBe(503);
      expect(event?.errorCode, path).toBe("kill_switch_engaged");
      expect(event?.org, path).toBe("globex");
    }
  });

  test("global keeps unauthenticated requests at 401", async () => {
    await engage("kill", { tier: "global", target: "" }, "provider breach");
    const response = await chat("nx-not-a-key");
    expect(response.status).toBe(401);
  });

  test("org blocks only that org", async () => {
    await engage("kill", { tier: "org", target: "acme" }, "acme incident");
    for (const [path, shape, send] of ROUTES) {
      const message = await expectKilled(await send(acmeOtherKey), shape);
      expect(message, path).toContain("org 'acme' kill switch");
      expect(message, path).toContain("acme incident");
      const other = await send(globexKey);
      expect(other.status, path).toBe(200);
    }
  });

  test("key blocks only that key", async () => {
    await engage("kill", { tier: "key", target: acmeKeyId }, "key leaked in CI logs");
    for (const [path, shape, send] of ROUTES) {
      const message = await expectKilled(await send(acmeKey), shape);
      expect(message, path).toContain(`key '${acmeKeyId}'`);
      expect(message, path).toContain("key leaked in CI logs");
      expect((await send(acmeOtherKey)).status, path).toBe(200);
    }
    const blocked = await chat(acmeKey);
    const event = await harness.event(blocked.headers.get("x-request-id") ?? "");
    expect(event?.keyId).toBe(acmeKeyId);
    expect(event?.detail.kill_switch).toEqual({ tier: "key", target: acmeKeyId });
  });

  test("blocked requests never reach the provider", async () => {
    await engage("kill", { tier: "org", target: "acme" }, "acme incident");
    const before = harness.simulator.requests.length;
    expect((await chat(acmeKey)).status).toBe(503);
    expect((await messages(acmeKey)).status).toBe(503);
    expect(harness.simulator.requests.length).toBe(before);
  });

  test("lifting restores service", async () => {
    await engage("kill", { tier: "org", target: "acme" }, "acme incident");
    expect((await chat(acmeKey)).status).toBe(503);
    await lift("kill", { tier: "org", target: "acme" });
    expect((await chat(acmeKey)).status).toBe(200);
    expect((await messages(acmeKey)).status).toBe(200);
  });

  test("another process's engage applies within 1 s", async () => {
    expect((await chat(globexKey)).status).toBe(200);
    const startedAt = performance.now();
    cli.engage({ control: "kill", scope: { tier: "org", target: "globex" }, reason: "drill",
      actor: "tester" });
    let status = 0;
    while (performance.now() - startedAt < 1000) {
      status = (await chat(globexKey)).status;
      if (status === 503) break;
      await Bun.sleep(20);
    }
    expect(status).toBe(503);
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });
});

/** Reads a streamed body until it ends or `ms` pass; returns what arrived and whether it ended. */
async function readFor(response: Response, ms: number): Promise<{ text: string; done: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Bun.sleep(ms).then(() => "timeout" as const);
  while (true) {
    const next = await Promise.race([reader.read(), deadline]);
    if (next === "timeout") {
      await reader.cancel();
      return { text, done: false };
    }
    if (next.done) return { text, done: true };
    text += decoder.decode(next.value, { stream: true });
  }
}

describe("open streams", () => {
  test("key kill ends only that key's stream", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3, times: 2 });
    const killed = await chat(acmeKey, "hello", true);
    const spared = await chat(acmeOtherKey, "hello", true);
    expect(killed.status).toBe(200);
    expect(spared.status).toBe(200);

    cli.engage({ control: "kill", scope: { tier: "key", target: acmeKeyId },
      reason: "key leaked", actor: "tester" });
    const [killedBody, sparedBody] = await Promise.all([readFor(killed, 1000),
      readFor(spared, 1000)]);
    expect(killedBody.done).toBe(true);
    expect(killedBody.text).toContain('"code":"kill_switch_engaged"');
    expect(killedBody.text).toContain("key leaked");
    expect(killedBody.text).not.toContain("[DONE]");
    expect(sparedBody.done).toBe(false);
    expect(sparedBody.text).not.toContain("kill_switch_engaged");

    const event = await eventually(async () => {
      const found = await harness.event(killed.headers.get("x-request-id") ?? "");
      return found?.errorCode === undefined ? undefined : found;
    });
    expect(event.errorCode).toBe("kill_switch_engaged");
    expect(event.detail.failed_mid_stream).toBe(true);
  });

  test("org kill ends an Anthropic stream in-band", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const response = await messages(acmeKey, true);
    expect(response.status).toBe(200);
    cli.engage({ control: "kill", scope: { tier: "org", target: "acme" },
      reason: "acme incident", actor: "tester" });
    const body = await readFor(response, 1000);
    expect(body.done).toBe(true);
    expect(body.text).toContain("event: error");
    expect(body.text).toContain("kill_switch_engaged");
    expect(body.text).not.toContain("message_stop");
  });
});

describe("passthrough", () => {
  test("bypassHooks skips a blocking pipeline", async () => {
    expect((await chat(acmeKey, "about Project Falcon")).status).toBe(403);

    await engage("bypassHooks", { tier: "org", target: "acme" }, "keyword stage misfires");
    const bypassed = await chat(acmeKey, "about Project Falcon");
    expect(bypassed.status).toBe(200);
    const event = await harness.event(bypassed.headers.get("x-request-id") ?? "");
    expect(event?.detail.hooks).toBeUndefined();
    expect(event?.detail.passthrough).toEqual([{ flag: "bypassHooks", tier: "org",
      target: "acme", reason: "keyword stage misfires", expiresAt: null }]);

    // Another org still runs its pipeline.
    expect((await chat(globexKey, "about Project Falcon")).status).toBe(403);
  });

  test("bypassCache and bypassNormalize are recorded", async () => {
    await engage("bypassCache", { tier: "key", target: acmeKeyId }, "stale cache");
    await engage("bypassNormalize", { tier: "global", target: "" }, "decoder bug");
    const response = await chat(acmeKey, "about Project Falcon");
    // Neither flag skips the compliance pipeline.
    expect(response.status).toBe(403);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    const flags = (event?.detail.passthrough as { flag: string; tier: string }[])
      .map((entry) => [entry.flag, entry.tier]);
    expect(flags).toEqual([["bypassCache", "key"], ["bypassNormalize", "global"]]);
  });

  test("expiry ends a passthrough", async () => {
    await engage("bypassHooks", { tier: "global", target: "" }, "short bypass",
      Date.now() + 400);
    expect((await chat(acmeKey, "about Project Falcon")).status).toBe(200);
    await Bun.sleep(450);
    const after = await chat(acmeKey, "about Project Falcon");
    expect(after.status).toBe(403);
    const event = await harness.event(after.headers.get("x-request-id") ?? "");
    expect(event?.detail.passthrough).toBeUndefined();
  });
});
