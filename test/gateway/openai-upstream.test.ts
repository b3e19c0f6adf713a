import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey(),
    maxRetries: 0,
  });
});
afterAll(async () => {
  await harness.close();
});

describe("OpenAI SDK through Nexus to an OpenAI upstream", () => {
  test("completion reports the client's model name", async () => {
    const answer = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Hi OpenAI" }],
      seed: 7,
    });
    expect(answer.model).toBe("gpt-test");
    expect(answer.choices[0]?.message.content).toContain("Hi OpenAI");
    const upstream = harness.simulator.requests.at(-1);
    expect(upstream?.provider).toBe("openai");
    expect((upstream?.body as { model: string; seed: number }).model).toBe("gpt-4o-mini");
    expect((upstream?.body as { seed: number }).seed).toBe(7);
    expect(upstream?.headers.authorization).toBe("Bearer sim-secret-value");
  });

  test("stream asks the upstream for usage even when the client did not", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "count" }], stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toContain("count");
    const upstream = harness.simulator.requests.at(-1)?.body as {
      stream_options: { include_usage: boolean };
    };
    expect(upstream.stream_options.include_usage).toBe(true);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.outputTokens).toBeGreaterThan(0);
    expect(event?.stream).toBe(true);
    expect(event?.ttftMs).not.toBeNull();
  });

  test("embeddings in float and base64", async () => {
    const floats = await client.embeddings.create({
      model: "embed-test",
      input: ["alpha", "beta"],
      encoding_format: "float",
    });
    expect(floats.data).toHaveLength(2);
    expect(floats.model).toBe("embed-test");
    expect(floats.data[0]?.embedding.length).toBeGreaterThan(0);

    const raw = await fetch(`${harness.gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "embed-test", input: "alpha", encoding_format: "base64" }),
    });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    expect(typeof body.data[0]?.embedding).toBe("string");
  });

  test("chat model on the embeddings route is 404", async () => {
    const failure = await client.embeddings
      .create({ model: "gpt-test", input: "x" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("operational endpoints", () => {
  test("healthz and readyz", async () => {
    const health = await fetch(`${harness.gateway.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${harness.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  test("metrics count requests", async () => {
    const response = await fetch(`${harness.gateway.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/nexus_requests_total\{route="\/v1\/chat\/completions",status="200"/);
    expect(text).toContain("nexus_audit_write_failures_total");
  });

  test("credentials never appear in logs", () => {
    const all = JSON.stringify(harness.logs);
    expect(all.includes("sim-secret-value")).toBe(false);
    expect(all.includes(String(client.apiKey))).toBe(false);
  });
});
