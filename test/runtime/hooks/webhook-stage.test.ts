import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { buildStage } from "../../../runtime/hooks/build-stage.ts";
import { ComplianceSchema, type StageConfig } from "../../../runtime/hooks/config-schema.ts";
import { type FailMode, runPipeline } from "../../../runtime/hooks/pipeline.ts";
import type { Finding } from "../../../runtime/hooks/stage.ts";
import type { WebhookPayload } from "../../../runtime/hooks/webhook-payload.ts";
import { WebhookServices } from "../../../runtime/hooks/webhook-services.ts";
import { verifySignature } from "../../../runtime/hooks/webhook-sign.ts";
import { MemoryWindowCounter } from "../../../runtime/hooks/window-counter.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { subjectOf, userSays } from "./subject.ts";

const SECRET = "whsec-stage-test-0123456789";
const ENV = { HOOK_SECRET: SECRET, SHORT_SECRET: "short" };

interface Received {
  path: string;
  headers: Headers;
  body: string;
}

type Handler = (path: string, body: WebhookPayload) => Response | Promise<Response>;

let received: Received[] = [];
let handler: Handler = () => Response.json({ verdict: "allow" });
let server: ReturnType<typeof Bun.serve>;
let base: string;
const logLines: string[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const body = await request.text();
      received.push({ path, headers: request.headers, body });
      return handler(path, JSON.parse(body) as WebhookPayload);
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

function services(): WebhookServices {
  return new WebhookServices({
    deadLetterPath: "/nonexistent/unused.jsonl",
    logger: createLogger((line) => logLines.push(line)),
    env: ENV,
  });
}

function webhook(overrides: Record<string, unknown> = {}): StageConfig {
  return {
    stage: "webhook",
    url: `${base}/check`,
    secretEnv: "HOOK_SECRET",
    mode: "sync",
    include: "texts",
    timeoutMs: 1000,
    ...overrides,
  } as StageConfig;
}

/** Runs one webhook stage on a subject, with the given fail mode. */
async function run(config: StageConfig, texts: string[], failMode: FailMode = "closed") {
  const built = buildStage({ ...config, failMode }, { counter: new MemoryWindowCounter(),
    webhooks: services() });
  const subject = subjectOf(userSays(...texts));
  const result = await runPipeline([built], subject);
  return { result, subject };
}

function reset(next: Handler) {
  received = [];
  handler = next;
}

describe("sync webhook request", () => {
  test("is signed and verifies with the key", async () => {
    reset(() => Response.json({ verdict: "allow" }));
    await run(webhook(), ["hello"]);
    const delivery = received[0]!;
    const header = delivery.headers.get("x-nexus-signature");
    expect(verifySignature(SECRET, header, delivery.body)).toBe(true);
    expect(verifySignature("another-secret-0123456789", header, delivery.body)).toBe(false);
    expect(delivery.headers.get("x-nexus-request-id")).toBe("req_1");
    expect(delivery.headers.get("x-nexus-delivery-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("carries texts when include is texts", async () => {
    reset(() => Response.json({ verdict: "allow" }));
    await run(webhook(), ["first", "second"]);
    const payload = JSON.parse(received[0]!.body) as WebhookPayload;
    expect(payload.texts?.map((text) => text.text)).toEqual(["first", "second"]);
    expect(payload.texts?.[0]?.path).toEqual(["messages", 0, "content"]);
    expect(payload.segmentCount).toBe(2);
    expect(payload.principal.keyId).toBe("key_1");
    expect(payload.mode).toBe("sync");
  });

  test("carries only metadata by default", async () => {
    reset(() => Response.json({ verdict: "allow" }));
    const finding: Finding = { stage: "pii", kind: "email", segment: 0, start: 0, end: 3 };
    const earlier = { name: "earlier", run: () => ({ verdict: "flag" as const, reason: "r",
      findings: [finding, finding], labels: ["internal"] }) };
    const built = buildStage(webhook({ include: undefined }),
      { counter: new MemoryWindowCounter(), webhooks: services() });
    await runPipeline([{ stage: earlier, failMode: "closed" }, built],
      subjectOf(userSays("mail bob@example.com")));

    const payload = JSON.parse(received[0]!.body) as WebhookPayload;
    expect(payload.texts).toBeUndefined();
    expect(received[0]!.body).not.toContain("bob@example.com");
    expect(payload.findings).toEqual({ email: 2 });
    expect(payload.labels).toEqual(["internal"]);
    expect(payload.requestId).toBe("req_1");
    expect(payload.model).toBe("gpt-test");
  });
});

describe("sync webhook response", () => {
  test("allow lets the request through", async () => {
    reset(() => Response.json({ verdict: "allow" }));
    const { result } = await run(webhook(), ["hi"]);
    expect(result.verdict).toBe("allow");
  });

  test("flag records the reason", async () => {
    reset(() => Response.json({ verdict: "flag", reason: "needs review" }));
    const { result } = await run(webhook(), ["hi"]);
    expect(result.verdict).toBe("flag");
    expect(result.records[0]?.reason).toBe("needs review");
  });

  test("block stops with 403 and the reason", async () => {
    reset(() => Response.json({ verdict: "block", reason: "approval denied" }));
    const { result } = await run(webhook(), ["hi"]);
    expect(result.verdict).toBe("block");
    expect(result.block?.status).toBe(403);
    expect(result.block?.reason).toBe("approval denied");
    expect(result.block?.code).toBe("content_blocked");
  });

  test("redact replaces the named segments", async () => {
    reset(() => Response.json({ verdict: "redact", edits: [{ segment: 1, text: "[gone]" }] }));
    const { result, subject } = await run(webhook(), ["keep", "drop this"]);
    expect(result.verdict).toBe("redact");
    expect(subject.texts.map((segment) => segment.text)).toEqual(["keep", "[gone]"]);
  });
});

describe("sync webhook failure", () => {
  const invalid: [string, () => Response, string][] = [
    ["unknown verdict", () => Response.json({ verdict: "maybe" }), "/verdict"],
    ["extra field", () => Response.json({ verdict: "allow", score: 1 }), "invalid response"],
    ["not JSON", () => new Response("ok"), "not JSON"],
    ["empty body", () => new Response(""), "not JSON"],
    ["array", () => Response.json([]), "invalid response"],
    ["redact without edits", () => Response.json({ verdict: "redact" }), "without edits"],
    ["edit out of range",
      () => Response.json({ verdict: "redact", edits: [{ segment: 5, text: "x" }] }), "segment 5"],
    ["edit twice", () => Response.json({ verdict: "redact",
      edits: [{ segment: 0, text: "x" }, { segment: 0, text: "y" }] }), "edited twice"],
    ["edits with allow",
      () => Response.json({ verdict: "allow", edits: [{ segment: 0, text: "x" }] }), "allow"],
    ["negative segment",
      () => Response.json({ verdict: "redact", edits: [{ segment: -1, text: "x" }] }), "segment"],
  ];

  for (const [name, respond, message] of invalid) {
    test(`invalid response blocks closed: ${name}`, async () => {
      reset(respond);
      const { result } = await run(webhook(), ["hi"]);
      expect(result.verdict).toBe("block");
      expect(result.block?.status).toBe(503);
      expect(result.block?.code).toBe("compliance_unavailable");
      expect(result.records[0]?.error).toContain(message);
    });
  }

  test("redact from a metadata webhook is invalid", async () => {
    reset(() => Response.json({ verdict: "redact", edits: [{ segment: 0, text: "x" }] }));
    const { result, subject } = await run(webhook({ include: "metadata" }), ["hi"]);
    expect(result.verdict).toBe("block");
    expect(result.records[0]?.error).toContain("sent no texts");
    expect(subject.texts[0]?.text).toBe("hi");
  });

  test("HTTP 500 blocks closed, flags open", async () => {
    reset(() => new Response("boom", { status: 500 }));
    const closed = await run(webhook(), ["hi"], "closed");
    expect(closed.result.verdict).toBe("block");
    expect(closed.result.block?.status).toBe(503);
    expect(closed.result.records[0]?.error).toBe("webhook returned HTTP 500");

    const open = await run(webhook(), ["hi"], "open");
    expect(open.result.verdict).toBe("flag");
    expect(open.result.records[0]?.error).toBe("webhook returned HTTP 500");
  });

  test("timeout blocks closed, flags open", async () => {
    reset(async () => {
      await Bun.sleep(1000);
      return Response.json({ verdict: "allow" });
    });
    const started = performance.now();
    const closed = await run(webhook({ timeoutMs: 100 }), ["hi"], "closed");
    expect(performance.now() - started).toBeLessThan(800);
    expect(closed.result.verdict).toBe("block");
    expect(closed.result.records[0]?.error).toBe("webhook timed out after 100 ms");

    const open = await run(webhook({ timeoutMs: 100 }), ["hi"], "open");
    expect(open.result.verdict).toBe("flag");
  });

  test("slow response body counts toward the timeout", async () => {
    reset(() => new Response(new ReadableStream({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"verdict":'));
        await Bun.sleep(400);
        controller.enqueue(new TextEncoder().encode('"allow"}'));
        controller.close();
      },
    }), { headers: { "content-type": "application/json" } }));
    const { result } = await run(webhook({ timeoutMs: 100 }), ["hi"]);
    expect(result.verdict).toBe("block");
    expect(result.records[0]?.error).toBe("webhook timed out after 100 ms");
  });

  test("redirect is not followed", async () => {
    reset((path) => path === "/check"
      ? new Response(null, { status: 302, headers: { location: `${base}/elsewhere` } })
      : Response.json({ verdict: "allow" }));
    const { result } = await run(webhook(), ["hi"]);
    expect(result.verdict).toBe("block");
    expect(result.records[0]?.error).toContain("HTTP 302");
    expect(received.map((delivery) => delivery.path)).toEqual(["/check"]);
  });

  test("unreachable receiver fails the stage", async () => {
    const { result } = await run(webhook({ url: "http://127.0.0.1:1/check" }), ["hi"]);
    expect(result.verdict).toBe("block");
    expect(result.records[0]?.error).toContain("webhook unreachable");
  });

  test("log lines hold no texts or secret", async () => {
    reset(() => new Response("boom", { status: 500 }));
    await run(webhook(), ["confidential-text-4242"]);
    const logs = logLines.join("\n");
    expect(logs).toContain("webhook.call_failed");
    expect(logs).not.toContain("confidential-text-4242");
    expect(logs).not.toContain(SECRET);
  });
});

describe("webhook config", () => {
  const build = (overrides: Record<string, unknown>, withServices = true) => () =>
    buildStage(webhook(overrides), {
      counter: new MemoryWindowCounter(),
      webhooks: withServices ? services() : undefined,
    });

  test("schema accepts a full webhook stage", () => {
    const config = { pipelines: { p: { request: [webhook({ mode: "async", retries: 2,
      backoffMs: 100, maxQueue: 10, failMode: "open" })] } } };
    expect(Value.Check(ComplianceSchema, config)).toBe(true);
  });

  test("schema rejects bad fields", () => {
    for (const bad of [{ url: "ftp://127.0.0.1/x" }, { mode: "later" }, { retries: 11 },
      { timeoutMs: 0 }, { include: "all" }, { secretEnv: "NOT-AN-ENV" }, { extra: true }]) {
      const config = { pipelines: { p: { request: [webhook(bad)] } } };
      expect(Value.Check(ComplianceSchema, config)).toBe(false);
    }
  });

  test("missing secret stops the build", () => {
    expect(build({ secretEnv: "NO_SUCH_SECRET" })).toThrow("NO_SUCH_SECRET");
  });

  test("short secret stops the build", () => {
    expect(build({ secretEnv: "SHORT_SECRET" })).toThrow("at least 16 characters");
  });

  test("credentials in the URL stop the build", () => {
    expect(build({ url: "http://user:pw@127.0.0.1/x" })).toThrow("credentials");
  });

  test("async without services stops the build", () => {
    // Without services the secret comes from the process environment.
    process.env.NEXUS_TEST_WEBHOOK_STAGE_SECRET = SECRET;
    const config = { mode: "async", secretEnv: "NEXUS_TEST_WEBHOOK_STAGE_SECRET" };
    expect(build(config, false)).toThrow("async mode needs");
    expect(build({ ...config, mode: "sync" }, false)).not.toThrow();
    delete process.env.NEXUS_TEST_WEBHOOK_STAGE_SECRET;
  });
});
