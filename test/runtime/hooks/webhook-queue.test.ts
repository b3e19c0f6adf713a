import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeadLetterRecord } from "../../../runtime/hooks/webhook-dead-letter.ts";
import { WebhookServices } from "../../../runtime/hooks/webhook-services.ts";
import { verifySignature } from "../../../runtime/hooks/webhook-sign.ts";
import { webhookStage } from "../../../runtime/hooks/stages/webhook.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { subjectOf, userSays } from "./subject.ts";

const SECRET = "whsec-queue-test-0123456789";

interface Received {
  at: number;
  headers: Headers;
  body: string;
}

let received: Received[] = [];
let handler: (count: number) => Response | Promise<Response> = () => new Response("ok");
let server: ReturnType<typeof Bun.serve>;
let url: string;
let dir: string;
let logs: string[] = [];
let open: WebhookServices[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const body = await request.text();
      received.push({ at: performance.now(), headers: request.headers, body });
      return handler(received.length);
    },
  });
  url = `http://127.0.0.1:${server.port}/deliver`;
});
afterAll(() => server.stop(true));
afterEach(async () => {
  await Promise.all(open.map((services) => services.close()));
  open = [];
  rmSync(dir, { recursive: true, force: true });
});

function setUp(next: (count: number) => Response | Promise<Response>, closeTimeoutMs = 2000) {
  received = [];
  logs = [];
  handler = next;
  dir = mkdtempSync(join(tmpdir(), "nexus-webhook-"));
  const services = new WebhookServices({
    deadLetterPath: join(dir, "webhooks", "dead-letter.jsonl"),
    logger: createLogger((line) => logs.push(line)),
    env: { HOOK_SECRET: SECRET },
    closeTimeoutMs,
  });
  open.push(services);
  return services;
}

function queueOf(services: WebhookServices, options: { retries?: number; maxQueue?: number;
  backoffMs?: number } = {}) {
  return services.createQueue({
    target: { url: new URL(url), secret: SECRET, timeoutMs: 1000 },
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs ?? 20,
    maxQueue: options.maxQueue ?? 100,
    random: () => 0,
  });
}

function deadLetters(services: WebhookServices): DeadLetterRecord[] {
  if (!existsSync(services.deadLetter.path)) return [];
  return readFileSync(services.deadLetter.path, "utf8").trim().split("\n")
    .map((line) => JSON.parse(line) as DeadLetterRecord);
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}

const body = (requestId: string) => JSON.stringify({ requestId, texts: ["private words"] });

describe("async webhook delivery", () => {
  test("stage allows before the receiver responds", async () => {
    let release = () => {};
    const services = setUp(() => new Promise((resolve) => {
      release = () => resolve(new Response("ok"));
    }));
    const stage = webhookStage({ stage: "webhook", url, secretEnv: "HOOK_SECRET",
      mode: "async", include: "texts" }, services);

    const outcome = await stage.run(subjectOf(userSays("hello")), { findings: [], labels: [] });
    expect(outcome.verdict).toBe("allow");
    await until(() => received.length === 1);
    const payload = JSON.parse(received[0]!.body) as { mode: string; texts: { text: string }[] };
    expect(payload.mode).toBe("async");
    expect(payload.texts[0]?.text).toBe("hello");
    release();
  });

  test("retries with backoff, then succeeds", async () => {
    const services = setUp((count) => new Response("no", { status: count < 3 ? 500 : 200 }));
    const queue = queueOf(services, { retries: 3, backoffMs: 100 });
    queue.enqueue("req_retry", "dlv_1", body("req_retry"));

    await until(() => received.length === 3 && queue.size === 0);
    expect(deadLetters(services)).toEqual([]);
    expect(received.map((r) => r.headers.get("x-nexus-delivery-id")))
      .toEqual(["dlv_1", "dlv_1", "dlv_1"]);
    for (const delivery of received) {
      expect(verifySignature(SECRET, delivery.headers.get("x-nexus-signature"), delivery.body))
        .toBe(true);
    }

    // With jitter pinned to 0 the waits are half of 100 ms and of 200 ms; the margin allows
    // for the first attempt's connection set-up.
    const first = received[1]!.at - received[0]!.at;
    const second = received[2]!.at - received[1]!.at;
    expect(first).toBeGreaterThanOrEqual(40);
    expect(second).toBeGreaterThanOrEqual(90);
    expect(second).toBeGreaterThan(first);
  });

  test("all attempts failing writes a dead letter", async () => {
    const services = setUp(() => new Response("down", { status: 503 }));
    const queue = queueOf(services, { retries: 2 });
    queue.enqueue("req_dead", "dlv_2", body("req_dead"));

    await until(() => queue.size === 0);
    expect(received.length).toBe(3);
    const [record] = deadLetters(services);
    expect(record?.requestId).toBe("req_dead");
    expect(record?.deliveryId).toBe("dlv_2");
    expect(record?.reason).toBe("failed");
    expect(record?.attempts).toBe(3);
    expect(record?.lastError).toBe("webhook returned HTTP 503");
    expect(record?.url).toBe(url);
    expect(record?.payload).toEqual(JSON.parse(body("req_dead")));

    const file = readFileSync(services.deadLetter.path, "utf8");
    expect(file).not.toContain(SECRET);
    expect(file).not.toContain("v1=");
    expect(statSync(services.deadLetter.path).mode & 0o777).toBe(0o600);
    const logText = logs.join("\n");
    expect(logText).toContain("webhook.dead_lettered");
    expect(logText).not.toContain("private words");
    expect(logText).not.toContain(SECRET);
  });

  test("overflow goes to the dead letter", async () => {
    const waiting: (() => void)[] = [];
    const services = setUp(() => new Promise((resolve) => {
      waiting.push(() => resolve(new Response("ok")));
    }));
    const queue = queueOf(services, { maxQueue: 2 });
    for (let i = 0; i < 5; i++) queue.enqueue(`req_${i}`, `dlv_${i}`, body(`req_${i}`));

    expect(queue.size).toBe(2);
    const records = deadLetters(services);
    expect(records.map((record) => record.requestId)).toEqual(["req_2", "req_3", "req_4"]);
    expect(records.every((record) => record.reason === "queue_full")).toBe(true);
    expect(records.every((record) => record.attempts === 0)).toBe(true);
    // Three overflows within a second make one log line.
    const overflowLogs = logs.filter((line) => line.includes("webhook.queue_full"));
    expect(overflowLogs.length).toBe(1);

    await until(() => waiting.length === 2);
    for (const release of waiting) release();
    await until(() => queue.size === 0);
    expect(deadLetters(services).length).toBe(3);
  });
});

describe("async webhook shutdown", () => {
  test("close flushes waiting deliveries", async () => {
    const services = setUp(async () => {
      await Bun.sleep(30);
      return new Response("ok");
    });
    const queue = queueOf(services);
    for (let i = 0; i < 6; i++) queue.enqueue(`req_${i}`, `dlv_${i}`, body(`req_${i}`));

    await services.close();
    expect(received.length).toBe(6);
    expect(queue.size).toBe(0);
    expect(deadLetters(services)).toEqual([]);
  });

  test("close dead-letters what is left at the bound", async () => {
    const services = setUp(() => new Promise<Response>(() => {}), 150);
    const queue = queueOf(services);
    for (let i = 0; i < 6; i++) queue.enqueue(`req_${i}`, `dlv_${i}`, body(`req_${i}`));
    await until(() => received.length === 4);

    const started = performance.now();
    await services.close();
    expect(performance.now() - started).toBeLessThan(1000);
    const records = deadLetters(services);
    expect(records.length).toBe(6);
    expect(records.every((record) => record.reason === "shutdown")).toBe(true);
    expect(records.filter((record) => record.attempts === 1).length).toBe(4);
    expect(queue.size).toBe(0);
  });

  test("close does not retry a failed delivery", async () => {
    const services = setUp(() => new Response("down", { status: 500 }));
    const queue = queueOf(services, { retries: 5, backoffMs: 10_000 });
    queue.enqueue("req_wait", "dlv_wait", body("req_wait"));
    await until(() => received.length === 1 && logs.length === 1);

    const started = performance.now();
    await services.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(received.length).toBe(1);
    const [record] = deadLetters(services);
    expect(record?.reason).toBe("shutdown");
    expect(record?.lastError).toBe("webhook returned HTTP 500");
  });

  test("enqueue after close goes to the dead letter", async () => {
    const services = setUp(() => new Response("ok"));
    const queue = queueOf(services);
    await services.close();
    queue.enqueue("req_late", "dlv_late", body("req_late"));
    expect(received.length).toBe(0);
    expect(deadLetters(services).map((record) => record.reason)).toEqual(["shutdown"]);
  });
});
