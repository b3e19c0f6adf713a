/**
 * Cost of the quota step in a quota store alone, without HTTP: one `reserve` and one `settle`
 * per request, with one rule and with four rules (org, key, provider and model). At
 * concurrency 16, sixteen requests reserve together before any of them settles, as requests
 * in flight together do. Every 100 requests the loop yields to the event loop, so timers
 * (the write-behind flush) run and count in the wall time. The CPU column is this process's
 * user plus system time (`process.cpuUsage`) over the recorded requests, so for Valkey it
 * leaves out the server's own time.
 *
 *   bun quota/store-step.ts                       SqliteQuotaStore, 20,000 requests per row
 *   bun quota/store-step.ts --valkey [URL]        ValkeyQuotaStore on URL, default
 *                                                 redis://127.0.0.1:6379, keys under a random
 *                                                 prefix that is deleted afterwards
 *   bun quota/store-step.ts --valkey --settle-batch-ms N
 *                                                 settles wait N ms to share a script call
 *                                                 (the store's default when left out)
 *   bun quota/store-step.ts --quick               2,000 requests, to check that it runs
 *
 * Prints markdown; writes nothing under results/.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QuotaRule } from "../../runtime/quota/config-schema.ts";
import type { QuotaCharge, QuotaStore } from "../../runtime/quota/quota-store.ts";
import { SqliteQuotaStore } from "../../runtime/quota/sqlite-quota-store.ts";
import { ValkeyQuotaStore } from "../../runtime/quota/valkey-quota-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { openValkey, type ValkeyClient } from "../../runtime/storage/valkey/open-valkey.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";

const quick = process.argv.includes("--quick");
const REQUESTS = quick ? 2_000 : 20_000;
const WARMUP = quick ? 200 : 2_000;
const YIELD_EVERY = 100;
const valkeyAt = process.argv.indexOf("--valkey");
const VALKEY_URL = valkeyAt < 0 ? null
  : (process.argv[valkeyAt + 1]?.startsWith("redis://") ? process.argv[valkeyAt + 1]!
    : "redis://127.0.0.1:6379");

const batchAt = process.argv.indexOf("--settle-batch-ms");
const SETTLE_BATCH_MS = batchAt < 0 ? undefined : Number(process.argv[batchAt + 1]);

const SUBJECT = { org: "acme", key: "key_1", provider: "openai", model: "gpt-test" } as const;

function chargesOf(axes: (keyof typeof SUBJECT)[]): QuotaCharge[] {
  return axes.map((axis) => {
    const rule: QuotaRule = { axis, match: "*", window: "day", limit: { tokens: 1e12 },
      mode: "hard" };
    return { rule, value: SUBJECT[axis] };
  });
}

/**
 * Runs `count` requests in groups of `concurrency`, returning µs per request, wall time and
 * this process's CPU time in ms.
 */
async function run(store: QuotaStore, charges: QuotaCharge[], concurrency: number,
  count: number) {
  const histogram = createHdrHistogram();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let done = 0; done < count; done += concurrency) {
    const groupStart = performance.now();
    const results = await Promise.all(Array.from({ length: concurrency }, () =>
      store.reserve(charges, { tokens: 100, usd: 0 }, Date.now())));
    const ids = results.map((result) => {
      if (!result.ok) throw new Error("the bench budget was exceeded");
      return result.reservationId;
    });
    await Promise.all(ids.map((id) => store.settle(id, { tokens: 90, usd: 0.0001 }, Date.now())));
    const perRequest = (performance.now() - groupStart) * 1000 / concurrency;
    histogram.recordValue(Math.max(1, Math.round(perRequest)));
    if (done % YIELD_EVERY < concurrency) await new Promise((resolve) => setImmediate(resolve));
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { histogram, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Opens the store under test and returns it with the function that cleans it up. */
async function openStore(): Promise<{ store: QuotaStore; name: string; close(): Promise<void> }> {
  if (VALKEY_URL !== null) {
    const client: ValkeyClient = await openValkey(VALKEY_URL);
    const prefix = `nexus-bench:${crypto.randomUUID()}:`;
    const store = new ValkeyQuotaStore(client, { prefix, settleBatchMs: SETTLE_BATCH_MS });
    return {
      store,
      name: `ValkeyQuotaStore, settle batch ${SETTLE_BATCH_MS ?? "default"} ms`,
      async close() {
        await store.close();
        await deleteKeys(client, prefix);
        client.disconnect();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-bench-quota-"));
  const db = openEmbeddedDatabase(dataDir);
  const store = new SqliteQuotaStore(db);
  return {
    store,
    name: "SqliteQuotaStore",
    async close() {
      store.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function deleteKeys(client: ValkeyClient, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

const opened = await openStore();
const rows: string[] = [];
try {
  const cases = [
    { name: "1 rule (org)", charges: chargesOf(["org"]) },
    { name: "4 rules (org, key, provider, model)",
      charges: chargesOf(["org", "key", "provider", "model"]) },
  ];
  for (const concurrency of [1, 16]) {
    for (const { name, charges } of cases) {
      await run(opened.store, charges, concurrency, WARMUP);
      const { histogram, wallMs, cpuMs } = await run(opened.store, charges, concurrency,
        REQUESTS);
      const wallPerRequest = (wallMs * 1000 / REQUESTS).toFixed(1);
      const cpuPerRequest = (cpuMs * 1000 / REQUESTS).toFixed(1);
      rows.push(`| ${name} | ${concurrency} | ${histogram.getValueAtPercentile(50)} | ` +
        `${histogram.getValueAtPercentile(99)} | ${wallPerRequest} | ${cpuPerRequest} |`);
    }
  }
} finally {
  await opened.close();
}

console.log([
  `## Quota store step, ${opened.name} (${new Date().toISOString()}, Bun ${Bun.version})`,
  "",
  `${REQUESTS} reserve + settle pairs per row after ${WARMUP} unrecorded. At concurrency 16 ` +
    "the per-request time is the group's time over 16.",
  "",
  "| rules | concurrency | p50 µs/request | p99 µs/request | wall µs/request | " +
    "CPU µs/request |",
  "|---|---|---|---|---|---|",
  ...rows,
  "",
].join("\n"));
