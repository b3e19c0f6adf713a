import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { type Harness, startHarness } from "../support/harness.ts";

const EMAIL = "jane.roe@example.com";
const CARD = "4111111111111111";
const ECHOED = `Invalid content '${EMAIL} card ${CARD}'`;

/** Queues a provider 400 whose message quotes the request's content. */
function upstreamEchoes(harness: Harness): void {
  harness.simulator.enqueue({
    match: { provider: "openai" },
    status: 400,
    body: { error: { message: ECHOED, type: "invalid_request_error" } },
  });
}

function chat(harness: Harness, secret: string, content: string) {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

/** The `request.failed` log lines of one request, as JSON text. */
function failedLogs(harness: Harness, requestId: string): string {
  const lines = harness.logs.filter((line) =>
    line.event === "request.failed" && line.request_id === requestId);
  expect(lines.length).toBe(1);
  return JSON.stringify(lines);
}

describe("upstream error with personal data, compliance configured", () => {
  let harness: Harness;
  let key: string;
  let slowServer: Server;
  let slowPort: number;

  beforeAll(async () => {
    // Accepts connections and never responds, so a webhook to it times out.
    slowServer = createServer(() => {});
    await new Promise<void>((resolve) => slowServer.listen(0, "127.0.0.1", resolve));
    slowPort = (slowServer.address() as { port: number }).port;

    process.env.NEXUS_TEST_REDACTION_WEBHOOK_SECRET = "whsec-redaction-test-0123456789";
    harness = await startHarness({ extra: () => ({ compliance: {
      defaultPipeline: "plain",
      pipelines: {
        plain: { request: [{ stage: "keyword_filter", words: ["orchid"], action: "flag" }] },
        slow: { request: [{
          stage: "webhook", url: `http://127.0.0.1:${slowPort}/check`,
          secretEnv: "NEXUS_TEST_REDACTION_WEBHOOK_SECRET", mode: "sync", include: "texts",
          timeoutMs: 200, failMode: "closed",
        }] },
      },
      bindings: [{ project: "slow", pipeline: "slow" }],
    } }) });
    key = await harness.createKey();
  });
  afterAll(async () => {
    await harness.close();
    slowServer.close();
  });

  test("client error holds kinds, not values", async () => {
    upstreamEchoes(harness);
    const response = await chat(harness, key, `${EMAIL} card ${CARD}`);
    expect(response.status).toBe(400);

    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_bad_request");
    expect(body.error.message).toContain("[EMAIL]");
    expect(body.error.message).toContain("[CREDIT_CARD]");
    expect(body.error.message).not.toContain(EMAIL);
    expect(body.error.message).not.toContain(CARD);
  });

  test("full-width addresses and the param field are redacted too", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" },
      status: 400,
      body: { error: { message: "bad: \uFF52\uFF4F\uFF42\uFF20\uFF45\uFF58\uFF41\uFF4D" +
        "\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D", type: "invalid_request_error",
        param: "messages[quinn.err@example.com]" } },
    });
    const response = await chat(harness, key, "hello");
    const body = (await response.json()) as { error: { message: string; param: string } };
    expect(body.error.message).toBe("bad: [EMAIL]");
    expect(body.error.param).toBe("messages[[EMAIL]]");
  });

  test("event detail and log line are redacted", async () => {
    upstreamEchoes(harness);
    const response = await chat(harness, key, `${EMAIL} card ${CARD}`);
    const requestId = response.headers.get("x-request-id") ?? "";

    const detail =
      (await harness.event(requestId))?.detail as { error_message?: string } | undefined;
    expect(detail?.error_message).toContain("[EMAIL]");
    expect(detail?.error_message).toContain("[CREDIT_CARD]");
    expect(detail?.error_message).not.toContain(EMAIL);
    expect(detail?.error_message).not.toContain(CARD);

    const logged = failedLogs(harness, requestId);
    expect(logged).toContain("[EMAIL]");
    expect(logged).toContain("[CREDIT_CARD]");
    expect(logged).not.toContain(EMAIL);
    expect(logged).not.toContain(CARD);
  });

  test("streamed request error is redacted", async () => {
    upstreamEchoes(harness);
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", stream: true,
        messages: [{ role: "user", content: EMAIL }] }),
    });
    const text = await response.text();
    expect(text).toContain("[EMAIL]");
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(CARD);
  });

  test("webhook timeout gives a generic message", async () => {
    const slowKey = await harness.createKey({ project: "slow" });
    const response = await chat(harness, slowKey, "hello");
    expect(response.status).toBe(503);

    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("compliance_unavailable");
    expect(body.error.message).toContain("'webhook'");
    expect(body.error.message).not.toContain("timed out");
    expect(body.error.message).not.toContain(String(slowPort));

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    const hooks = (event?.detail.hooks ?? []) as { stage: string; error?: string }[];
    expect(hooks[0]?.stage).toBe("webhook");
    expect(hooks[0]?.error).toBe("webhook timed out after 200 ms");
  });
});

describe("upstream error without compliance config", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  test("message is passed on unchanged", async () => {
    upstreamEchoes(harness);
    const response = await chat(harness, await harness.createKey(), "hello");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain(EMAIL);
  });
});
