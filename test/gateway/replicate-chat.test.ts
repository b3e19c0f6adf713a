import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { replicateExtra, SHORT_TIMEOUT_MS } from "../providers/replicate/harness-config.ts";
import { FAILURE_MESSAGE } from "../simulator/replicate-scenario.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness({ extra: replicateExtra });
  key = await harness.createKey();
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function chat(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

function requestsTo(suffix: string, method = "GET") {
  return harness.simulator.requests.filter(
    (request) => request.method === method && request.path.endsWith(suffix),
  );
}

interface ErrorBody {
  error: { code: string; message: string };
}

describe("replicate non-streaming", () => {
  test("polls prediction until succeeded", async () => {
    const response = await chat({
      model: "llama-test",
      max_tokens: 200,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Name a colour" },
      ],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      model: string;
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.model).toBe("llama-test");
    expect(body.choices[0]?.message.content).toBe("Echo: Name a colour");
    expect(body.choices[0]?.finish_reason).toBe("stop");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);

    const create = requestsTo("/models/meta/meta-llama-3-70b-instruct/predictions", "POST");
    expect(create).toHaveLength(1);
    expect(create[0]?.headers.authorization).toBe("Bearer sim-secret-value");
    expect(create[0]?.headers.prefer).toBe("wait=5");
    const polls = harness.simulator.requests.filter((request) => request.method === "GET");
    // starting → processing → succeeded: two polls.
    expect(polls).toHaveLength(2);
    expect(body.id).toContain(polls[0]!.path.split("/").pop()!);

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBe(body.usage.prompt_tokens);
    expect(event?.outputTokens).toBe(body.usage.completion_tokens);
  });

  test("failed prediction becomes upstream_error", async () => {
    const response = await chat({
      model: "llama-fails",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_error");
    expect(body.error.message).toContain(FAILURE_MESSAGE);
  });

  test("foreign-origin poll URL is refused", async () => {
    const response = await chat({
      model: "llama-foreign",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_invalid_response");
    expect(body.error.message).toContain("urls.get points at http://localhost:");
    // The prediction is canceled through the configured origin; nothing goes to the other.
    const cancels = await eventually(() => {
      const found = requestsTo("/cancel", "POST");
      return found.length > 0 ? found : undefined;
    });
    expect(cancels).toHaveLength(1);
    expect(harness.simulator.requests).toHaveLength(2);
    for (const request of harness.simulator.requests) {
      expect(request.headers.host).toStartWith("127.0.0.1:");
    }
  });

  test("deadline cancels the prediction", async () => {
    const started = performance.now();
    const response = await chat({
      model: "llama-stalls",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(504);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_timeout");
    expect(performance.now() - started).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);

    const cancels = await eventually(() => {
      const found = requestsTo("/cancel", "POST");
      return found.length > 0 ? found : undefined;
    });
    expect(cancels).toHaveLength(1);
    expect(cancels[0]?.headers.authorization).toBe("Bearer sim-secret-value");
    const polled = requestsTo("", "GET")[0]?.path ?? "";
    expect(cancels[0]?.path).toBe(`${polled}/cancel`);
  });

  test("client disconnect cancels the prediction", async () => {
    const controller = new AbortController();
    const pending = chat({
      model: "llama-stalls-long",
      messages: [{ role: "user", content: "hi" }],
    }, controller.signal);
    // Wait until the gateway polls, then leave.
    await eventually(() => (requestsTo("", "GET").length > 0 ? true : undefined));
    controller.abort();
    await pending.catch(() => undefined);

    const cancels = await eventually(() => {
      const found = requestsTo("/cancel", "POST");
      return found.length > 0 ? found : undefined;
    });
    expect(cancels).toHaveLength(1);
  });

  test("finished prediction is not canceled", async () => {
    const response = await chat({
      model: "llama-test",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(200);
    await response.json();
    await Bun.sleep(50);
    expect(requestsTo("/cancel", "POST")).toHaveLength(0);
  });

  test("429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "replicate", path: "/predictions" },
      status: 429,
      headers: { "retry-after": "7" },
    });
    const response = await chat({
      model: "llama-test",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_rate_limited");
    expect(body.error.message).toContain("Request was throttled");
  });

  test("402 from create maps to payment required", async () => {
    harness.simulator.enqueue({ match: { provider: "replicate" }, status: 402 });
    const response = await chat({
      model: "llama-test",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(402);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_permission_denied");
    expect(body.error.message).toContain("Insufficient credit");
  });

  test("tools are rejected before any upstream call", async () => {
    const response = await chat({
      model: "llama-test",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("unsupported_parameter");
    expect(harness.simulator.requests).toHaveLength(0);
  });
});
