import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let dropKey: string;
let refuseKey: string;

beforeAll(async () => {
  harness = await startHarness();
  dropKey = await harness.createKey();
  refuseKey = await harness.createKey({ settings: { unsupportedParams: "refuse" } });
});
afterAll(async () => {
  await harness.close();
});

function chat(key: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], ...body }),
  });
}

function lastUpstreamBody(): Record<string, unknown> {
  return harness.simulator.requests.at(-1)?.body as Record<string, unknown>;
}

/** Sampling and account fields that Anthropic's Messages API has no place for. */
const UNHONOURED_BY_ANTHROPIC = { seed: 7, frequency_penalty: 0.5, logit_bias: { "50256": -100 } };

describe("parameters a provider cannot honour", () => {
  test("the default policy drops them and names them in a header and the event", async () => {
    const response = await chat(dropKey, { model: "claude-test", ...UNHONOURED_BY_ANTHROPIC });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBe(
      "seed, frequency_penalty, logit_bias",
    );
    await response.json();

    const upstream = lastUpstreamBody();
    expect(upstream.seed).toBeUndefined();
    expect(upstream.frequency_penalty).toBeUndefined();
    expect(upstream.logit_bias).toBeUndefined();

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.detail.dropped_params).toEqual(["seed", "frequency_penalty", "logit_bias"]);
  });

  test("a stream carries the header too", async () => {
    const response = await chat(dropKey, { model: "claude-test", stream: true, seed: 1 });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-nexus-dropped-params")).toBe("seed");
    expect(await response.text()).toContain("data: [DONE]");
  });

  test("logprobs are dropped rather than refused under the drop policy", async () => {
    const response = await chat(dropKey, { model: "claude-test", logprobs: true, top_logprobs: 2 });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBe("logprobs, top_logprobs");
    const answer = (await response.json()) as { choices: { logprobs?: unknown }[] };
    expect(answer.choices[0]?.logprobs ?? null).toBeNull();
  });

  test("a key with the refuse policy gets one 400 naming every such field", async () => {
    const before = harness.simulator.requests.length;
    const response = await chat(refuseKey, { model: "claude-test", ...UNHONOURED_BY_ANTHROPIC });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-nexus-dropped-params")).toBeNull();

    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error.code).toBe("unsupported_parameter");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBe("seed");
    for (const name of Object.keys(UNHONOURED_BY_ANTHROPIC)) {
      expect(String(body.error.message)).toContain(`'${name}'`);
    }
    expect(String(body.error.message)).toContain("Remove them,");
    expect(harness.simulator.requests.length).toBe(before);
  });

  test("refusal of one field says it", async () => {
    const response = await chat(refuseKey, { model: "claude-test", seed: 7 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(String(body.error.message)).toContain("cannot honour 'seed'. Remove it,");
  });

  test("the refuse policy lets a request through when every field is honoured", async () => {
    const response = await chat(refuseKey, { model: "claude-test", temperature: 0.2 });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBeNull();
  });

  test("fields whose loss would change the answer's shape stay refused", async () => {
    const response = await chat(dropKey, { model: "claude-test", n: 2 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error.param).toBe("n");
  });

  test("an OpenAI upstream gets every field, so nothing is dropped", async () => {
    const response = await chat(refuseKey, { model: "gpt-test", ...UNHONOURED_BY_ANTHROPIC });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBeNull();
    await response.json();
    expect(lastUpstreamBody().seed).toBe(7);
    expect(lastUpstreamBody().logit_bias).toEqual({ "50256": -100 });
  });
});
