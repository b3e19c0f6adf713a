import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
afterAll(async () => {
  await harness.close();
});

interface RouteStep {
  provider: string;
  error?: string;
}

test("client abort mid-upstream is client_disconnected in route", async () => {
  harness.simulator.enqueue({ latencyMs: 2000 });
  await harness.gateway.context.eventWriter.flush();
  const since = Date.now();
  const controller = new AbortController();
  const pending = fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    signal: controller.signal,
  }).catch(() => undefined);
  // Aborts once the gateway is waiting on the delayed upstream.
  await eventually(() => (harness.simulator.requests.length > 0 ? true : undefined));
  controller.abort();
  await pending;

  const event = await eventually(async () => {
    await harness.gateway.context.eventWriter.flush();
    const found = await harness.gateway.context.events.list({ limit: 10, since });
    return found[0] as TrafficEvent | undefined;
  });
  expect(event.errorCode).toBe("client_disconnected");
  const route = event.detail.route as RouteStep[];
  expect(route).toHaveLength(1);
  expect(route[0]?.error).toBe("client_disconnected");
});
