import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DeadLetterRecord } from "../../runtime/hooks/webhook-dead-letter.ts";
import type { WebhookPayload } from "../../runtime/hooks/webhook-payload.ts";
import { verifySignature } from "../../runtime/hooks/webhook-sign.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

const SECRET_ENV = "NEXUS_TEST_WEBHOOK_SECRET";
const SECRET = "whsec-gateway-test-0123456789";

interface Received {
  path: string;
  headers: Headers;
  body: string;
  payload: WebhookPayload;
}

/** A company's DLP service: the path picks its behaviour. */
const received: Received[] = [];
let receiver: ReturnType<typeof Bun.serve>;
let base: string;

async function respond(path: string, payload: WebhookPayload): Promise<Response> {
  const texts = payload.texts ?? [];
  switch (path) {
    case "/dlp": {
      if (texts.some((text) => text.text.includes("block-me"))) {
        return Response.json({ verdict: "block", reason: "Approval denied by DLP." });
      }
      const edits = texts.filter((text) => text.text.includes("secret-xyz")).map((text) => ({
        segment: text.segment,
        text: text.text.replaceAll("secret-xyz", "[x]"),
      }));
      if (edits.length > 0) return Response.json({ verdict: "redact", reason: "dlp", edits });
      return Response.json({ verdict: "allow" });
    }
    case "/slow":
      await Bun.sleep(500);
      return Response.json({ verdict: "allow" });
    case "/error":
      return new Response("broken", { status: 500 });
    case "/invalid":
      return Response.json({ verdict: "approve" });
    case "/flaky": {
      const tries = received.filter((r) => r.path === "/flaky" &&
        r.payload.requestId === payload.requestId).length;
      return new Response(null, { status: tries < 3 ? 502 : 204 });
    }
    case "/slow-ok":
      await Bun.sleep(600);
      return new Response(null, { status: 204 });
    default:
      return new Response("down", { status: 500 });
  }
}

beforeAll(() => {
  process.env[SECRET_ENV] = SECRET;
  receiver = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const body = await request.text();
      const payload = JSON.parse(body) as WebhookPayload;
      received.push({ path, headers: request.headers, body, payload });
      return respond(path, payload);
    },
  });
  base = `http://127.0.0.1:${receiver.port}`;
});
afterAll(() => receiver.stop(true));

function hook(path: string, extra: Record<string, unknown> = {}) {
  return { stage: "webhook", url: `${base}${path}`, secretEnv: SECRET_ENV, mode: "sync",
    include: "texts", timeoutMs: 1000, ...extra };
}

function chat(harness: Harness, secret: string, content: string) {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

type Hook = { stage: string; verdict: string; error?: string };

async function hooksOf(harness: Harness, response: Response): Promise<Hook[]> {
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  return (event?.detail.hooks ?? []) as Hook[];
}

describe("sync webhook through the gateway", () => {
  let harness: Harness;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    const pipeline = (...request: unknown[]) => ({ request });
    harness = await startHarness({ extra: () => ({ compliance: {
      defaultPipeline: "dlp",
      pipelines: {
        dlp: pipeline({ stage: "keyword_filter", words: ["orchid"], action: "flag" },
          hook("/dlp")),
        answers: { response: [hook("/dlp")] },
        openSlow: pipeline(hook("/slow", { timeoutMs: 100, failMode: "open" })),
        closedSlow: pipeline(hook("/slow", { timeoutMs: 100, failMode: "closed" })),
        openError: pipeline(hook("/error", { failMode: "open" })),
        closedError: pipeline(hook("/error")),
        invalid: pipeline(hook("/invalid")),
      },
      bindings: ["answers", "openSlow", "closedSlow", "openError", "closedError", "invalid"]
        .map((name) => ({ project: name, pipeline: name })),
    } }) });
    keys.dlp = await harness.createKey();
    for (const project of ["answers", "openSlow", "closedSlow", "openError", "closedError",
      "invalid"]) {
      keys[project] = await harness.createKey({ project });
    }
  });
  afterAll(() => harness.close());

  test("allow passes the request unchanged", async () => {
    const response = await chat(harness, keys.dlp!, "hello orchid");
    expect(response.status).toBe(200);
    const sent = harness.simulator.requests.at(-1)?.body as { messages: { content: string }[] };
    expect(sent.messages[0]?.content).toBe("hello orchid");

    const delivery = received.at(-1)!;
    expect(delivery.path).toBe("/dlp");
    expect(delivery.headers.get("x-nexus-request-id")).toBe(response.headers.get("x-request-id"));
    expect(verifySignature(SECRET, delivery.headers.get("x-nexus-signature"), delivery.body))
      .toBe(true);
    expect(delivery.payload.findings).toEqual({ "keyword:orchid": 1 });
    expect(delivery.payload.principal.org).toBe("acme");
    expect((await hooksOf(harness, response)).map((h) => h.stage))
      .toEqual(["keyword_filter", "webhook"]);
  });

  test("block stops the request before the provider", async () => {
    const before = harness.simulator.requests.length;
    const response = await chat(harness, keys.dlp!, "please block-me now");
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("content_blocked");
    expect(body.error.message).toContain("Approval denied by DLP.");
    expect(body.error.message).toContain("'webhook'");
    expect(harness.simulator.requests.length).toBe(before);
  });

  test("redact changes what the provider gets", async () => {
    const response = await chat(harness, keys.dlp!, "the key is secret-xyz ok");
    expect(response.status).toBe(200);
    const sent = harness.simulator.requests.at(-1)?.body as { messages: { content: string }[] };
    expect(sent.messages[0]?.content).toBe("the key is [x] ok");
    expect((await hooksOf(harness, response)).at(-1)?.verdict).toBe("redact");
  });

  test("redact on the response phase changes the answer", async () => {
    const response = await chat(harness, keys.answers!, "repeat secret-xyz");
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).toBe("Echo: repeat [x]");
    expect(received.at(-1)?.payload.phase).toBe("response");
  });

  test("timeout flags when open", async () => {
    const response = await chat(harness, keys.openSlow!, "hi");
    expect(response.status).toBe(200);
    const [record] = await hooksOf(harness, response);
    expect(record?.verdict).toBe("flag");
    expect(record?.error).toBe("webhook timed out after 100 ms");
  });

  test("timeout blocks 503 when closed", async () => {
    const response = await chat(harness, keys.closedSlow!, "hi");
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("compliance_unavailable");
  });

  test("HTTP 500 flags when open", async () => {
    const response = await chat(harness, keys.openError!, "hi");
    expect(response.status).toBe(200);
    expect((await hooksOf(harness, response))[0]?.error).toBe("webhook returned HTTP 500");
  });

  test("HTTP 500 blocks 503 when closed", async () => {
    const response = await chat(harness, keys.closedError!, "hi");
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("compliance_unavailable");
  });

  test("invalid response blocks 503 when closed", async () => {
    const response = await chat(harness, keys.invalid!, "hi");
    expect(response.status).toBe(503);
    expect((await hooksOf(harness, response))[0]?.error).toContain("invalid response at /verdict");
  });

  test("logs hold no texts or secret", () => {
    const logs = JSON.stringify(harness.logs);
    expect(logs).toContain("webhook.call_failed");
    expect(logs).not.toContain("secret-xyz");
    expect(logs).not.toContain("block-me");
    expect(logs).not.toContain(SECRET);
  });
});

describe("async webhook through the gateway", () => {
  let harness: Harness;
  let key: string;

  beforeAll(async () => {
    harness = await startHarness({ extra: () => ({ compliance: {
      defaultPipeline: "audit",
      pipelines: {
        audit: { request: [
          hook("/flaky", { mode: "async", include: "metadata", retries: 3, backoffMs: 20 }),
          hook("/slow-ok", { mode: "async" }),
          hook("/down", { mode: "async", retries: 5, backoffMs: 60_000 }),
        ] },
      },
    } }) });
    key = await harness.createKey();
  });

  test("delivers after retries, and shutdown flushes or dead-letters", async () => {
    const started = performance.now();
    const response = await chat(harness, key, "quarterly numbers 77");
    expect(response.status).toBe(200);
    // The request does not wait for /slow-ok's 600 ms.
    expect(performance.now() - started).toBeLessThan(500);
    const requestId = response.headers.get("x-request-id")!;

    const flaky = await eventually(() => {
      const hits = received.filter((r) => r.path === "/flaky" && r.payload.requestId === requestId);
      return hits.length === 3 ? hits : undefined;
    });
    expect(flaky[0]?.payload.texts).toBeUndefined();
    expect(flaky[0]?.body).not.toContain("quarterly numbers");
    expect(new Set(flaky.map((r) => r.headers.get("x-nexus-delivery-id"))).size).toBe(1);
    await eventually(() => received.some((r) => r.path === "/down" &&
      r.payload.requestId === requestId) || undefined);

    // Stop while /slow-ok may still be responding and /down waits a minute to retry.
    await harness.gateway.stop();
    expect(received.some((r) => r.path === "/slow-ok" && r.payload.requestId === requestId))
      .toBe(true);

    const path = join(harness.dataDir, "webhooks", "dead-letter.jsonl");
    expect(existsSync(path)).toBe(true);
    const file = readFileSync(path, "utf8");
    const records = file.trim().split("\n").map((line) => JSON.parse(line) as DeadLetterRecord);
    expect(records.length).toBe(1);
    expect(records[0]?.requestId).toBe(requestId);
    expect(records[0]?.reason).toBe("shutdown");
    expect(records[0]?.url).toBe(`${base}/down`);
    expect(file).not.toContain(SECRET);

    await harness.simulator.close();
    rmSync(harness.dataDir, { recursive: true, force: true });
  });
});
