import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness | null = null;
afterAll(async () => {
  await harness?.simulator.close();
  if (harness !== null) rmSync(harness.dataDir, { recursive: true, force: true });
});

describe("gateway stop", () => {
  test("in-flight requests finish and keep their events", async () => {
    harness = await startHarness();
    const key = await harness.createKey();
    harness.simulator.enqueue({ latencyMs: 300, sticky: true });
    const url = `${harness.gateway.url}/v1/chat/completions`;
    const requests = Array.from({ length: 5 }, () =>
      fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }),
      }),
    );
    await Bun.sleep(100);
    const stopping = harness.gateway.stop();
    const responses = await Promise.all(requests);
    await stopping;

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const db = new Database(join(harness.dataDir, "nexus.db"), { readonly: true });
    const ids = responses.map((r) => r.headers.get("x-request-id"));
    const rows = db.query("SELECT request_id FROM traffic_events").all() as
      { request_id: string }[];
    db.close();
    for (const id of ids) expect(rows.some((row) => row.request_id === id)).toBe(true);
    const failures = harness.logs.filter((line) => line.event === "audit.write_failed");
    expect(failures).toHaveLength(0);
  });

  test("streams open past the drain get an in-band error", async () => {
    const stopping = await startHarness({ drainTimeoutMs: 300 });
    try {
      const key = await stopping.createKey();
      stopping.simulator.enqueue({ hangAfterEvents: 3 });
      const response = await fetch(`${stopping.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-test", stream: true,
          messages: [{ role: "user", content: "x" }] }),
      });
      const reading = response.text();
      await Bun.sleep(50);
      await stopping.gateway.stop();
      const text = await reading;
      expect(text).not.toContain("[DONE]");
      expect(text).toContain('"code":"gateway_shutting_down"');
    } finally {
      await stopping.simulator.close();
      rmSync(stopping.dataDir, { recursive: true, force: true });
    }
  });
});

