import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { embedNextAs } from "../support/embedding-reply.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const DIMENSIONS = 8;
const CACHE = {
  enabled: true,
  ttlSeconds: 60,
  semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
};

let harness: Harness;
/** A second gateway on the first one's data directory, started after the first stops. */
let restarted: RunningGateway;
let key: string;
let globexKey: string;
/** Request ids and answers the first gateway served, by prompt. */
const firstBoot = new Map<string, { requestId: string; content: string }>();

/** Returns a unit vector on `axis`, turned by `angle` radians toward the last dimension. */
function vectorOn(axis: number, angle = 0): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  vector[axis] = Math.cos(angle);
  vector[DIMENSIONS - 1] = Math.sin(angle);
  return vector;
}

function embedAs(vector: number[]): void {
  embedNextAs(harness.simulator, vector);
}

function chat(url: string, content: string, secret = key): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

function report(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/cache/report`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function contentOf(response: Response): Promise<string> {
  const body = (await response.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]!.message.content;
}

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ cache: CACHE }) });
  key = await harness.createKey({ org: "acme" });
  globexKey = await harness.createKey({ org: "globex" });

  for (const [axis, prompt] of ["capital of France", "boiling point", "tallest peak"].entries()) {
    embedAs(vectorOn(axis));
    const response = await chat(harness.gateway.url, prompt);
    expect(response.headers.get("x-nexus-cache")).toBe("miss");
    firstBoot.set(prompt, {
      requestId: response.headers.get("x-request-id")!,
      content: await contentOf(response),
    });
  }
  // Entries are written after the response; let the writes land before the stop.
  await Bun.sleep(50);
  const { loaded } = harness.gateway.context;
  await harness.gateway.stop();
  restarted = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
  await restarted.context.cache!.semantic!.ready;
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await restarted.stop();
  await harness.simulator.close();
  rmSync(harness.dataDir, { recursive: true, force: true });
});

describe("semantic cache after restart", () => {
  test("index is rebuilt at boot", () => {
    expect(restarted.context.cache!.semantic!.index.size).toBe(3);
  });

  test("paraphrase still hits", async () => {
    embedAs(vectorOn(0, 0.1));
    const response = await chat(restarted.url, "France's capital city");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-cache")).toBe("semantic-hit");
    expect(await contentOf(response)).toBe(firstBoot.get("capital of France")!.content);
  });

  test("other org never hits", async () => {
    embedAs(vectorOn(1, 0.1));
    const response = await chat(restarted.url, "water boils at", globexKey);
    expect(response.headers.get("x-nexus-cache")).toBe("miss");
    await response.json();
  });

  test("report by earlier request id", async () => {
    const earlier = firstBoot.get("tallest peak")!;
    const reported = await report(restarted.url, { request_id: earlier.requestId });
    expect(reported.status).toBe(200);
    const body = (await reported.json()) as { removed: number; blocked: boolean };
    expect(body.removed).toBe(1);
    expect(body.blocked).toBe(true);

    embedAs(vectorOn(2, 0.1));
    const after = await chat(restarted.url, "highest mountain");
    expect(after.headers.get("x-nexus-cache")).toBe("miss");
    await after.json();
  });

  test("report by messages removes entry", async () => {
    const reported = await report(restarted.url,
      { messages: [{ role: "user", content: "boiling point" }] });
    expect(reported.status).toBe(200);
    const body = (await reported.json()) as { removed: number };
    expect(body.removed).toBe(1);

    embedAs(vectorOn(1, 0.1));
    const after = await chat(restarted.url, "temperature at which water boils");
    expect(after.headers.get("x-nexus-cache")).toBe("miss");
    await after.json();
  });

  test("unknown request id is not found", async () => {
    const reported = await report(restarted.url, { request_id: "req_never_served" });
    expect(reported.status).toBe(404);
    await reported.json();
  });
});
