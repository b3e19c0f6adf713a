import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { SqliteControlStore } from "../../runtime/controls/sqlite-control-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const COMPLIANCE = {
  defaultPipeline: "answers",
  pipelines: {
    answers: { response: [{ stage: "keyword_filter", words: ["zebra"], action: "redact" }] },
  },
};

let harness: Harness;
let cliDb: Database;
let controls: SqliteControlStore;
let key: string;

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ compliance: COMPLIANCE }) });
  key = await harness.createKey();
  cliDb = openEmbeddedDatabase(harness.dataDir);
  controls = new SqliteControlStore(cliDb);
});
afterAll(async () => {
  cliDb.close();
  await harness.close();
});

async function streamMessage(): Promise<{ text: string; detail: Record<string, unknown> }> {
  const response = await fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json",
      "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-test", max_tokens: 50, stream: true,
      messages: [{ role: "user", content: "a zebra" }] }),
  });
  const text = await response.text();
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  return { text, detail: event?.detail ?? {} };
}

test("a scanned Messages stream is translated, and bypassNormalize keeps it a passthrough",
  async () => {
    const scanned = await streamMessage();
    expect(scanned.detail.stream_scan).toBe("translated");
    expect(scanned.text).not.toContain("zebra");

    controls.engage({ control: "bypassNormalize", scope: { tier: "global", target: "" },
      reason: "translation bug", actor: "tester", expiresAt: null });
    await Bun.sleep(150);

    const relayed = await streamMessage();
    expect(relayed.detail.stream_scan).toBe("bypassed_by_bypassNormalize");
    expect(relayed.text).toContain("zebra");
  });
