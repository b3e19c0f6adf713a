import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
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

function chat(model: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], ...extra }),
    signal,
  });
}

function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

function openaiError(type: string, message: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

const anthropicCases = [
  { status: 400, type: "invalid_request_error", expectStatus: 400, code: "upstream_bad_request" },
  { status: 401, type: "authentication_error", expectStatus: 401, code: "upstream_auth_failed" },
  { status: 404, type: "not_found_error", expectStatus: 404, code: "upstream_not_found" },
  { status: 429, type: "rate_limit_error", expectStatus: 429, code: "upstream_rate_limited",
    retryAfter: "17" },
  { status: 500, type: "api_error", expectStatus: 500, code: "upstream_error" },
  { status: 529, type: "overloaded_error", expectStatus: 503, code: "upstream_overloaded",
    retryAfter: "3" },
];

describe("upstream errors map to the OpenAI shape", () => {
  for (const c of anthropicCases) {
    test(`anthropic ${c.status}`, async () => {
      harness.simulator.enqueue({
        status: c.status,
        body: anthropicError(c.type, `simulated ${c.type}`),
        headers: c.retryAfter ? { "retry-after": c.retryAfter } : {},
      });
      const response = await chat("claude-test");
      expect(response.status).toBe(c.expectStatus);
      expect(response.headers.get("retry-after")).toBe(c.retryAfter ?? null);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(c.code);
      expect(body.error.message).toContain(`simulated ${c.type}`);
      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(event?.errorCode).toBe(c.code);
      expect(event?.status).toBe(c.expectStatus);
    });
  }

  test("openai 429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      status: 429,
      body: openaiError("requests", "Rate limit reached", "rate_limit_exceeded"),
      headers: { "retry-after": "20" },
    });
    const response = await chat("gpt-test");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("20");
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("upstream_rate_limited");
  });

  test("SDK sees RateLimitError", async () => {
    harness.simulator.enqueue({
      status: 429,
      body: anthropicError("rate_limit_error", "slow down"),
      headers: { "retry-after": "1" },
    });
    const client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey: key,
      maxRetries: 0 });
    const failure = await client.chat.completions
      .create({ model: "claude-test", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
  });

  test("unreachable provider is 502", async () => {
    const port = harness.simulator.port;
    await harness.simulator.close();
    try {
      const response = await chat("gpt-test");
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code).toBe("upstream_unreachable");
    } finally {
      const { startSimulator } = await import("../simulator/server.ts");
      harness.simulator = await startSimulator({ port, hostname: "127.0.0.1" });
    }
  });
});

describe("streams from a faulty upstream", () => {
  test("cut mid-stream ends with an in-band error, never [DONE]", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 4 });
    const response = await chat("claude-test", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("[DONE]");
    const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
    const last = JSON.parse(events.at(-1)?.slice(6) ?? "{}") as { error?: { code: string } };
    expect(last.error?.code).toBe("upstream_stream_cut");
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.errorCode).toBe("upstream_stream_cut");
  });

  test("SDK raises on a cut stream", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 5 });
    const client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey: key,
      maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "a long answer please" }],
      stream: true,
    });
    const consume = async () => {
      for await (const _chunk of stream) {
        // Drain until the in-band error surfaces.
      }
    };
    await expect(consume()).rejects.toThrow();
  });

  test("split writes and gzip keep UTF-8 whole", async () => {
    for (const behaviour of [{ splitWrites: 1 }, { gzip: true }, { splitWrites: 3, gzip: true }]) {
      harness.simulator.enqueue(behaviour);
      const response = await chat("claude-test", {
        stream: true,
        messages: [{ role: "user", content: "日本語のテキスト — ünïcödé" }],
      });
      const text = await response.text();
      expect(text).toContain("[DONE]");
      let content = "";
      for (const line of text.split("\n")) {
        if (!line.startsWith("data: {")) continue;
        const chunk = JSON.parse(line.slice(6)) as {
          choices: { delta: { content?: string } }[];
        };
        content += chunk.choices[0]?.delta.content ?? "";
      }
      expect(content).toContain("日本語のテキスト — ünïcödé");
      expect(content).not.toContain("\uFFFD");
    }
  });

  test("client disconnect cancels the upstream request", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const before = harness.simulator.disconnects;
    const controller = new AbortController();
    const response = await chat("claude-test", { stream: true }, controller.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await eventually(() => (harness.simulator.disconnects > before ? true : undefined));
    const requestId = response.headers.get("x-request-id") ?? "";
    const event = await eventually(() => harness.event(requestId));
    expect(event.errorCode).toBe("client_disconnected");
  });

  test("slow upstream past the timeout is 504", async () => {
    harness.simulator.enqueue({ latencyMs: 3000 });
    const response = await chat("gpt-test");
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("upstream_timeout");
  }, 10000);
});
