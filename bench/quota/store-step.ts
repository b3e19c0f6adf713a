/**
 * Cost of the quota step in the embedded store alone, without HTTP: one `reserve` and one
 * `settle` per request on `SqliteQuotaStore`, with one rule and with four rules (org, key,
 * provider and model). At concurrency 16, sixteen requests reserve before any of them
 * settles, as requests in flight together do. Every 100 requests the loop yields to the
 * event loop, so timers (the write-behind flush) run and count in the wall time.
 *
 *   bun quota/store-step.ts            20,000 requests per row
 *   bun quota/store-step.ts --quick    2,000, to check that it runs
 *
 * Prints markdown; writes nothing under results/.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QuotaRule } from "../../runtime/quota/config-schema.ts";
import type { QuotaCharge } from "../../runtime/quota/quota-store.ts";
import { SqliteQuotaStore } from "../../runtime/quota/sqlite-quota-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";

const quick = process.argv.includes("--quick");
const REQUESTS = quick ? 2_000 : 20_000;
const WARMUP = quick ? 200 : 2_000;
const YIELD_EVERY = 100;

const SUBJECT = { org: "acme", key: "key_1", provider: "openai", model: "gpt-test" } as const;

function chargesOf(axes: (keyof typeof SUBJECT)[]): QuotaCharge[] {
  return axes.map((axis) => {
    const rule: QuotaRule = { axis, match: "*", window: "day", limit: { tokens: 1e12 },
      mode: "hard" };
    return { rule, value: SUBJECT[axis] };
  });
}

/** Runs `count` requests in groups of `concurrency`, returning µs per request and wall time. */
async function run(store: SqliteQuotaStore, charges: QuotaCharge[], concurrency: number,
  count: number) {
  const histogram = createHdrHistogram();
  const started = performance.now();
  for (let done = 0; done < count; done += concurrency) {
    const groupStart = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < concurrency; i += 1) {
      const result = await store.reserve(charges, { tokens: 100, usd: 0 }, Date.now());
      if (!result.ok) throw new Error("the bench budget was exceeded");
      ids.push(result.reservationId);
    }
    for (const id of ids) await store.settle(id, { tokens: 90, usd: 0.0001 }, Date.now());
    const perRequest = (performance.now() - groupStart) * 1000 / concurrency;
    histogram.recordValue(Math.max(1, Math.round(perRequest)));
    if (done % YIELD_EVERY < concurrency) await new Promise((resolve) => setImmediate(resolve));
  }
  return { histogram, wallMs: performance.now() - started };
}

const dataDir = mkdtempSync(join(tmpdir(), "nexus-bench-quota-"));
const db = openEmbeddedDatabase(dataDir);
const store = new SqliteQuotaStore(db);
const rows: string[] = [];
try {
  const cases = [
    { name: "1 rule (org)", charges: chargesOf(["org"]) },
    { name: "4 rules (org, key, provider, model)",
      charges: chargesOf(["org", "key", "provider", "model"]) },
  ];
  for (const concurrency of [1, 16]) {
    for (const { name, charges } of cases) {
      await run(store, charges, concurrency, WARMUP);
      const { histogram, wallMs } = await run(store, charges, concurrency, REQUESTS);
      const wallPerRequest = (wallMs * 1000 / REQUESTS).toFixed(1);
      rows.push(`| ${name} | ${concurrency} | ${histogram.getValueAtPercentile(50)} | ` +
        `${histogram.getValueAtPercentile(99)} | ${wallPerRequest} |`);
    }
  }
} finally {
  (store as { close?: () => void }).close?.();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log([
  `## Quota store step (${new Date().toISOString()}, Bun ${Bun.version})`,
  "",
  `${REQUESTS} reserve + settle pairs per row after ${WARMUP} unrecorded. At concurrency 16 ` +
    "the per-request time is the group's time over 16.",
  "",
  "| rules | concurrency | p50 µs/request | p99 µs/request | wall µs/request |",
  "|---|---|---|---|---|",
  ...rows,
  "",
].join("\n"));
