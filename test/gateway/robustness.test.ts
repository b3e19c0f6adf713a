import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function chat(body: Record<string, unknown>, headers: Record<string, string> = {},
  signal?: AbortSignal): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }], ...body }),
    signal,
  });
}

describe("request ids", () => {
  test("caller id cannot collide events", async () => {
    const first = await chat({ model: "gpt-test" }, { "x-request-id": "trace-1" });
    const second = await chat({ model: "gpt-test" }, { "x-client-request-id": "trace-1" });
    const ids = [first, second].map((r) => r.headers.get("x-request-id") ?? "");
    expect(ids[0]).not.toBe(ids[1]);
    for (const response of [first, second]) {
      expect(response.headers.get("x-client-request-id")).toBe("trace-1");
    }
    for (const id of ids) {
      const event = await harness.event(id);
      expect(event?.status).toBe(200);
      expect(event?.clientRequestId).toBe("trace-1");
    }
  });

  test("unsafe caller id is not echoed", async () => {
    const response = await chat({ model: "gpt-test" }, { "x-client-request-id": "a b<c>" });
    expect(response.headers.get("x-client-request-id")).toBeNull();
  });
});

describe("secrets in upstream errors", () => {
  test("credential and keys are redacted everywhere", async () => {
    const leaked = "sim-secret-value";
    const message = `bad header ${leaked}, key sk-ant-api03-abcdefgh and ${key}`;
    harness.simulator.enqueue({
      status: 400,
      body: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message } }),
    });
    const response = await chat({ model: "claude-test" });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("[redacted]");
    for (const secret of [leaked, "sk-ant-api03", key]) {
      expect(text.includes(secret)).toBe(false);
      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(JSON.stringify(event).includes(secret)).toBe(false);
      expect(JSON.stringify(harness.logs).includes(secret)).toBe(false);
    }
  });
});

describe("hostile bodies", () => {
  test("deep nesting is 400", async () => {
    const deep = "[".repeat(50_000) + "]".repeat(50_000);
    const body = `{"model":"gpt-test","messages":[{"role":"user","content":"x"}],"tools":${deep}}`;
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    const parsed = (await response.json()) as { error: { code: string } };
    expect(parsed.error.code).toBe("invalid_request");
  });

  test("client gone during upload is 499", async () => {
    const controller = new AbortController();
    const head = new TextEncoder().encode('{"model":"gpt-test","messages":[');
    const body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        stream.enqueue(head);
        await Bun.sleep(100);
        controller.abort();
      },
    });
    await harness.gateway.context.eventWriter.flush();
    const since = Date.now();
    await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
      signal: controller.signal,
    }).catch(() => undefined);
    const events = await eventually(async () => {
      await harness.gateway.context.eventWriter.flush();
      const found = await harness.gateway.context.events.list({ limit: 10, since });
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    const event = events[0] as TrafficEvent;
    expect(event.errorCode).toBe("client_disconnected");
    expect(event.status).toBe(499);
  });

  test("wrong method is 405", async () => {
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    const parsed = (await response.json()) as { error: { code: string } };
    expect(parsed.error.code).toBe("method_not_allowed");
  });

  test("HEAD on a GET route answers like GET", async () => {
    const headers = { authorization: `Bearer ${key}` };
    const get = await fetch(`${harness.gateway.url}/v1/models`, { headers });
    const getBody = await get.text();
    const head = await fetch(`${harness.gateway.url}/v1/models`, { method: "HEAD", headers });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(getBody)));
    expect(await head.text()).toBe("");
  });

  test("405 on a GET route allows HEAD", async () => {
    const response = await fetch(`${harness.gateway.url}/v1/models`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("upstream oddities", () => {
  for (const model of ["gpt-test", "claude-test"]) {
    test(`redirect from ${model} upstream is 502`, async () => {
      const location = "http://127.0.0.1:1/";
      harness.simulator.enqueue({ status: 302, body: "", headers: { location } });
      const response = await chat({ model });
      expect(response.status).toBe(502);
      const parsed = (await response.json()) as { error: { code: string } };
      expect(parsed.error.code).toBe("upstream_invalid_response");
    });
  }

  test("stalled stream ends with in-band timeout", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const response = await chat({ model: "claude-test", stream: true });
    const text = await response.text();
    expect(text).not.toContain("[DONE]");
    const last = text.trim().split("\n\n").at(-1) ?? "";
    const parsed = JSON.parse(last.slice("data: ".length)) as { error: { code: string } };
    expect(parsed.error.code).toBe("upstream_timeout");
    await eventually(() => (harness.simulator.disconnects > 0 ? true : undefined));
  });

  test("disconnect mid-stream still records usage", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 4 });
    const controller = new AbortController();
    const response = await chat({ model: "claude-test", stream: true }, {}, controller.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    const requestId = response.headers.get("x-request-id") ?? "";
    const event = await eventually(() => harness.event(requestId));
    expect(event.errorCode).toBe("client_disconnected");
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.detail.usage_estimated).toBe(true);
  });
});

describe("embedded store under pressure", () => {
  test("locked store does not stall requests or lose events", async () => {
    const other = new Database(join(harness.dataDir, "nexus.db"));
    other.exec("BEGIN IMMEDIATE");
    const started = performance.now();
    const responses = await Promise.all([1, 2, 3].map(() => chat({ model: "gpt-test" })));
    const elapsed = performance.now() - started;
    await Bun.sleep(300);
    other.exec("COMMIT");
    other.close();

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(elapsed).toBeLessThan(1500);
    for (const response of responses) {
      const id = response.headers.get("x-request-id") ?? "";
      const event = await eventually(() => harness.event(id));
      expect(event.status).toBe(200);
    }
  });
});

describe("accounting and reporting of failures", () => {
  test("rejected upstream call records no usage", async () => {
    harness.simulator.enqueue({
      status: 429,
      body: JSON.stringify({ error: { message: "slow down", type: "requests", code: null } }),
    });
    const response = await chat({ model: "gpt-test" });
    expect(response.status).toBe(429);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBeNull();
    expect(event?.costUsd).toBeNull();
    expect(event?.detail.usage_estimated).toBeUndefined();
  });

  test("mid-stream failure is logged and counted", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 3 });
    const response = await chat({ model: "claude-test", stream: true });
    await response.text();
    const requestId = response.headers.get("x-request-id") ?? "";
    const line = await eventually(() =>
      harness.logs.find((l) => l.event === "request.failed" && l.request_id === requestId));
    expect(line.code).toBe("upstream_stream_cut");
    const metrics = await (await fetch(`${harness.gateway.url}/metrics`)).text();
    const counter = 'nexus_upstream_errors_total{provider="anthropic",code="upstream_stream_cut"}';
    expect(metrics).toContain(`${counter} `);
  });

  test("body cut after headers is an invalid response", async () => {
    harness.simulator.enqueue({ cutAfterBytes: 20 });
    const response = await chat({ model: "gpt-test" });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_invalid_response");
    expect(body.error.message).not.toContain("verbose");
  });

  test("JSON answer to a stream request is invalid", async () => {
    const json = JSON.stringify({ id: "x", object: "chat.completion", choices: [] });
    harness.simulator.enqueue({
      status: 200,
      body: json,
      headers: { "content-type": "application/json" },
    });
    const response = await chat({ model: "gpt-test", stream: true });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("upstream_invalid_response");
  });
});

