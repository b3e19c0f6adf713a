import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let plainKey: string;
let answerKey: string;

const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: { request: [] },
    answers: {
      response: [{ stage: "keyword_filter", words: ["zebra"], action: "redact" },
        { stage: "keyword_filter", words: ["forbidden"], action: "block" }],
    },
  },
  bindings: [{ project: "answers", pipeline: "answers" }],
};

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({ compliance: COMPLIANCE, cache: { enabled: true } }),
  });
  plainKey = await harness.createKey();
  answerKey = await harness.createKey({ project: "answers" });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function chat(secret: string, content: string, stream = false): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", stream, messages: [{ role: "user", content }] }),
  });
}

async function contentOf(response: Response): Promise<string> {
  const body = await response.json() as { choices: { message: { content: string } }[] };
  return body.choices[0]!.message.content;
}

describe("chat cache with response checks", () => {
  test("redacted JSON answer is not stored", async () => {
    const first = await chat(answerKey, "say zebra");
    expect(await contentOf(first)).not.toContain("zebra");
    const second = await chat(answerKey, "say zebra");
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(await contentOf(second)).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("redacted stream is not stored", async () => {
    const first = await chat(answerKey, "stream zebra", true);
    expect(await first.text()).not.toContain("zebra");
    const second = await chat(answerKey, "stream zebra", true);
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(await second.text()).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("blocked answer is not stored", async () => {
    const first = await chat(answerKey, "say forbidden");
    expect(first.status).toBeGreaterThanOrEqual(400);
    await first.text();
    const second = await chat(answerKey, "say forbidden");
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    await second.text();
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("hit is checked again per request", async () => {
    const stored = await chat(plainKey, "hit zebra");
    expect(await contentOf(stored)).toContain("zebra");

    const hit = await chat(answerKey, "hit zebra");
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    expect(await contentOf(hit)).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(1);
  });

  test("streamed hit is checked again", async () => {
    const stored = await chat(plainKey, "stream hit zebra", true);
    expect(await stored.text()).toContain("zebra");

    const hit = await chat(answerKey, "stream hit zebra", true);
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    const text = await hit.text();
    expect(text).not.toContain("zebra");
    expect(text).toContain("[DONE]");
    expect(harness.simulator.requests.length).toBe(1);
  });
});

type Api = "messages" | "responses";

/** Sends `content` to the API; the answer echoes it, so it carries the keyword. */
function send(api: Api, model: string, secret: string, content: string, stream = false) {
  const body = api === "messages"
    ? { model, max_tokens: 64, stream, messages: [{ role: "user", content }] }
    : { model, stream, input: content };
  return fetch(`${harness.gateway.url}/v1/${api}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe.each([
  ["messages", "claude-test"],
  ["messages", "gpt-test"],
  ["responses", "gpt-test"],
  ["responses", "claude-test"],
] as [Api, string][])("%s cache with response checks (%s)", (api, model) => {
  test("redacted JSON answer is not stored", async () => {
    const first = await send(api, model, answerKey, "say zebra");
    expect(first.status).toBe(200);
    expect(await first.text()).not.toContain("zebra");
    const second = await send(api, model, answerKey, "say zebra");
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(await second.text()).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("blocked answer is not stored", async () => {
    const first = await send(api, model, answerKey, "say forbidden");
    expect(first.status).toBeGreaterThanOrEqual(400);
    await first.text();
    const second = await send(api, model, answerKey, "say forbidden");
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    await second.text();
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("hit is checked again per request", async () => {
    const stored = await send(api, model, plainKey, "hit zebra");
    expect(await stored.text()).toContain("zebra");
    const hit = await send(api, model, answerKey, "hit zebra");
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    expect(await hit.text()).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(1);
  });

  test("redacted stream is not stored", async () => {
    const first = await send(api, model, answerKey, "stream zebra", true);
    expect(await first.text()).not.toContain("zebra");
    const second = await send(api, model, answerKey, "stream zebra", true);
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(await second.text()).not.toContain("zebra");
    expect(harness.simulator.requests.length).toBe(2);
  });

  test("clean scanned stream is stored", async () => {
    const stored = await send(api, model, answerKey, "stream hit plain", true);
    await stored.text();
    const hit = await send(api, model, answerKey, "stream hit plain", true);
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    const text = await hit.text();
    expect(text).toContain("plain");
    expect(harness.simulator.requests.length).toBe(1);
  });
});
