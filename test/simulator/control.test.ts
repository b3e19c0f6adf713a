/** Behaviour matching, the in-process and HTTP control surfaces, and the CLI entry. */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BehaviourQueue, parseBehaviour } from "./behaviour.ts";
import { startSimulator, type Simulator } from "./server.ts";
import { ANTHROPIC_AUTH, OPENAI_AUTH, openaiRequest } from "./test-client.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const COMPLETION = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
const MESSAGE = { model: "m", max_tokens: 16, messages: [{ role: "user", content: "x" }] };
const CHAT_URL = () => `${sim.url}/openai/v1/chat/completions`;

async function chatStatus(): Promise<number> {
  const response = await fetch(CHAT_URL(), openaiRequest(COMPLETION));
  await response.arrayBuffer();
  return response.status;
}

describe("behaviour queue", () => {
  const cases = [
    { name: "no match", behaviours: [], takes: [undefined, undefined] },
    { name: "one shot", behaviours: [{ status: 500 }], takes: [500, undefined] },
    { name: "times", behaviours: [{ status: 500, times: 2 }], takes: [500, 500, undefined] },
    {
      name: "sticky",
      behaviours: [{ status: 500, times: 1, sticky: true }],
      takes: [500, 500, 500],
    },
    { name: "fifo", behaviours: [{ status: 500 }, { status: 429 }], takes: [500, 429, undefined] },
    {
      name: "provider mismatch skipped",
      behaviours: [{ status: 529, match: { provider: "anthropic" as const } }, { status: 500 }],
      takes: [500, undefined],
    },
    {
      name: "path suffix",
      behaviours: [{ status: 404, match: { path: "/embeddings" } }],
      takes: [undefined, undefined],
    },
  ];

  for (const { name, behaviours, takes } of cases) {
    test(name, () => {
      const queue = new BehaviourQueue();
      for (const behaviour of behaviours) queue.add(behaviour);

      const taken = takes.map(() => queue.take("openai", "/openai/v1/chat/completions")?.status);
      expect(taken).toEqual(takes);
    });
  }

  test("invalid behaviours are rejected", () => {
    expect(() => parseBehaviour({ cutAfterEvents: -1 })).toThrow(/\/cutAfterEvents/);
    expect(() => parseBehaviour({ splitWrites: 0 })).toThrow(/\/splitWrites/);
    expect(() => parseBehaviour({ sseStyle: "weird" })).toThrow(/\/sseStyle/);
    expect(() => parseBehaviour({ lag: 5 })).toThrow(/invalid behaviour/);
    expect(parseBehaviour({ status: 429, match: { provider: "openai" } }).status).toBe(429);
  });
});

describe("simulator control", () => {
  test("records requests", async () => {
    await fetch(`${sim.url}/anthropic/v1/messages`, {
      method: "POST",
      headers: ANTHROPIC_AUTH,
      body: JSON.stringify({ ...MESSAGE, max_tokens: 5 }),
    });
    await fetch(`${sim.url}/openai/v1/models?limit=2`, { headers: OPENAI_AUTH });
    await fetch(CHAT_URL(), { method: "POST", headers: OPENAI_AUTH, body: "{bad" });

    const [message, models, broken] = sim.requests;
    expect(sim.requests).toHaveLength(3);
    expect(message?.provider).toBe("anthropic");
    expect(message?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(message?.body).toMatchObject({ model: "m", max_tokens: 5 });
    expect(models?.path).toBe("/openai/v1/models?limit=2");
    expect(models?.method).toBe("GET");
    expect(broken?.body).toBe("{bad");
  });

  test("reset clears everything", async () => {
    const held = sim.requests;
    sim.enqueue({ status: 500, sticky: true });
    expect(await chatStatus()).toBe(500);

    sim.reset();
    expect(held).toHaveLength(0);
    expect(await chatStatus()).toBe(200);
    expect(held).toHaveLength(1);
  });

  test("ids repeat after reset", async () => {
    const first = await (await fetch(CHAT_URL(), openaiRequest(COMPLETION))).json();
    sim.reset();
    const second = await (await fetch(CHAT_URL(), openaiRequest(COMPLETION))).json();

    expect(second.id).toBe(first.id);
    expect(second.choices).toEqual(first.choices);
  });
});

describe("admin api", () => {
  test("enqueue, inspect, reset", async () => {
    const enqueued = await fetch(`${sim.url}/__sim/enqueue`, {
      method: "POST",
      body: JSON.stringify({ status: 503, match: { provider: "openai" } }),
    });
    expect(enqueued.status).toBe(200);
    expect(await enqueued.json()).toEqual({ queued: 1 });
    expect(await chatStatus()).toBe(503);

    const requests = await (await fetch(`${sim.url}/__sim/requests`)).json();
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toEqual(COMPLETION);

    const stats = await (await fetch(`${sim.url}/__sim/stats`)).json();
    expect(stats).toEqual({ requests: 1, disconnects: 0, queued: 0 });

    const reset = await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    expect(reset.status).toBe(204);
    expect(sim.requests).toHaveLength(0);
  });

  test("invalid behaviour is a 400", async () => {
    const cases = [
      { body: JSON.stringify({ latencyMs: "slow" }), error: /\/latencyMs/ },
      { body: "{not json", error: /JSON/ },
      { body: JSON.stringify({ fixture: "nope/missing.json" }), error: /fixture not found/ },
    ];
    for (const { body, error } of cases) {
      const response = await fetch(`${sim.url}/__sim/enqueue`, { method: "POST", body });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatch(error);
    }
  });

  test("unknown admin route is a 404", async () => {
    const response = await fetch(`${sim.url}/__sim/nothing`);
    expect(response.status).toBe(404);
  });
});

describe("cli", () => {
  test("main.ts listens and logs", async () => {
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "main.ts"), "--port", "0"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const reader = child.stdout.getReader();
      const { value } = await reader.read();
      const line = JSON.parse(new TextDecoder().decode(value).split("\n")[0]!);

      expect(line.event).toBe("simulator.listening");
      expect(line.url).toBe(`http://127.0.0.1:${line.port}`);
      const models = await fetch(`${line.url}/openai/v1/models`, { headers: OPENAI_AUTH });
      expect(models.status).toBe(200);
    } finally {
      child.kill();
      await child.exited;
    }
  });
});
