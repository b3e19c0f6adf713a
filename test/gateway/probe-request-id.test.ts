import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

for (const path of ["/healthz", "/readyz", "/metrics"]) {
  test(`${path} sends x-request-id`, async () => {
    const response = await fetch(`${harness.gateway.url}${path}`);
    await response.arrayBuffer();
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  });
}

test("probe request ids are unique", async () => {
  const first = await fetch(`${harness.gateway.url}/healthz`);
  const second = await fetch(`${harness.gateway.url}/healthz`);
  expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));
});
