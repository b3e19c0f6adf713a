/**
 * Scale-out on one machine, side by side in one run against the same simulator:
 *  1. closed-loop JSON chat load on one embedded node (SQLite, in-process counters), one
 *     production node and three production nodes (PostgreSQL + Valkey + NATS JetStream, each
 *     node with its in-process bus writer), and three nodes beside one `nexus writer`
 *     process, at the same client concurrency;
 *  2. the event write path alone: events/s published to JetStream and committed to
 *     PostgreSQL by one and by two `nexus writer` processes, with the backlog over time.
 * Every process listens on 127.0.0.1; PostgreSQL, Valkey and NATS are the local test servers,
 * with a fresh schema, key prefix and stream prefix that are removed at the end.
 *
 *   bun scale-out/run.ts             full run: 20 s per cell, about 5 minutes
 *   bun scale-out/run.ts --quick     3 s per cell, to check that it runs (results/raw/ only)
 *
 * Prints markdown; a full run also writes results/scale-out-latest.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { type ScaleOutCluster, startScaleOut } from "../../test/scale-out/support.ts";
import { type CpuGroup, type CpuSplit, serviceGroups, startCpuSplit } from "./cpu-split.ts";
import { runSpreadLoad } from "./spread-load.ts";
import { measureWritePath, type WritePathResult } from "./write-path.ts";

const quick = process.argv.includes("--quick");
const CELL_MS = quick ? 3000 : 20_000;
const WARMUP_MS = quick ? 500 : 3000;
const WRITE_PATH_MS = quick ? 3000 : 15_000;
const CONCURRENCIES = [16, 64];
const TIMEOUT_MS = 10_000;
const CORES = availableParallelism();

interface Setup {
  name: string;
  mode: "embedded" | "production";
  gateways: number;
  /** `nexus writer` processes beside the gateways; with none, each node runs its own. */
  writers: number;
}

const SETUPS: Setup[] = [
  { name: "embedded, 1 node", mode: "embedded", gateways: 1, writers: 0 },
  { name: "production, 1 node", mode: "production", gateways: 1, writers: 0 },
  { name: "production, 3 nodes", mode: "production", gateways: 3, writers: 0 },
  // Writing apart shows what a gateway costs without the commit work it does in process.
  { name: "production, 3 nodes + 1 writer", mode: "production", gateways: 3, writers: 1 },
];

interface CellRow {
  setup: string;
  concurrency: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  perNode: number[];
  /** Completed requests minus events added to PostgreSQL in the cell; null when embedded. */
  eventBacklog: number | null;
  cpu: CpuSplit;
}

function clusterGroups(cluster: ScaleOutCluster): CpuGroup[] {
  return [
    { name: "gateways", pids: () => cluster.gateways.map((node) => node.pid) },
    { name: "writers", pids: () => cluster.writers.map((node) => node.pid) },
    { name: "simulator", pids: () => [cluster.simulator.pid] },
    ...serviceGroups(),
  ];
}

async function storedEvents(cluster: ScaleOutCluster): Promise<number | null> {
  if (cluster.postgres === null) return null;
  const [row] = await cluster.postgres.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM traffic_events`;
  return row?.n ?? 0;
}

/**
 * One hard budget that is never reached, so every request reserves and settles against it:
 * in memory on the embedded node, in Valkey on the production ones.
 */
const QUOTAS = {
  rules: [{ axis: "org", match: "*", window: "day", limit: { tokens: 1e12 }, mode: "hard" }],
};

async function runSetup(setup: Setup): Promise<CellRow[]> {
  const cluster = await startScaleOut({ mode: setup.mode, gateways: setup.gateways,
    inProcessWriters: setup.writers === 0, writers: setup.writers,
    extra: { quotas: QUOTAS } });
  if (cluster === null) throw new Error("PostgreSQL, Valkey or NATS is not running");
  const rows: CellRow[] = [];
  try {
    const { secret } = await cluster.createKey();
    const urls = cluster.gateways.map((node) => node.url);
    const warm = await runSpreadLoad({ urls, key: secret, concurrency: 16,
      durationMs: WARMUP_MS, timeoutMs: TIMEOUT_MS });
    warm.recorder.destroy();

    for (const concurrency of CONCURRENCIES) {
      // Lets the writers drain what the previous cell left, so cells start alike.
      await Bun.sleep(quick ? 200 : 2000);
      const settled = await storedEvents(cluster);
      const stopCpu = startCpuSplit(clusterGroups(cluster));
      const result = await runSpreadLoad({ urls, key: secret, concurrency,
        durationMs: CELL_MS, timeoutMs: TIMEOUT_MS });
      const cpu = stopCpu();
      const eventsAfter = await storedEvents(cluster);
      const { recorder } = result;
      rows.push({
        setup: setup.name,
        concurrency,
        perSecond: recorder.ok / (result.elapsedMs / 1000),
        p50Ms: recorder.latency.getValueAtPercentile(50) / 1000,
        p99Ms: recorder.latency.getValueAtPercentile(99) / 1000,
        errors: recorder.errorCount(),
        perNode: result.perNode,
        eventBacklog: eventsAfter === null || settled === null
          ? null
          : recorder.ok - (eventsAfter - settled),
        cpu,
      });
      recorder.destroy();
      console.error(`scale-out: ${setup.name} c=${concurrency}: ` +
        `${Math.round(rows.at(-1)!.perSecond)} req/s`);
    }
  } finally {
    await cluster.close();
  }
  return rows;
}

async function runWritePath(): Promise<{ results: WritePathResult[]; cpu: CpuSplit[] }> {
  const cluster = await startScaleOut({ gateways: 1, inProcessWriters: false });
  if (cluster === null || cluster.nats === null || cluster.postgres === null) {
    throw new Error("PostgreSQL, Valkey or NATS is not running");
  }
  const results: WritePathResult[] = [];
  const cpu: CpuSplit[] = [];
  try {
    for (const writers of [1, 2]) {
      while (cluster.writers.length < writers) await cluster.startWriter();
      const stopCpu = startCpuSplit(clusterGroups(cluster));
      results.push(await measureWritePath(cluster.nats, cluster.postgres.sql, writers,
        WRITE_PATH_MS));
      cpu.push(stopCpu());
      const last = results.at(-1)!;
      console.error(`scale-out: write path, ${writers} writer(s): ${last.published} published, ` +
        `${last.committed} committed`);
    }
  } finally {
    await cluster.close();
  }
  return { results, cpu };
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Percent of all cores that a group used over the cell's wall time. */
const share = (seconds: number, wall: number) => `${fmt((seconds / wall / CORES) * 100)}%`;

function cpuColumns(cpu: CpuSplit): string[] {
  const { seconds, wallSeconds: wall } = cpu;
  const known = Object.values(seconds).reduce((sum, value) => sum + value, 0);
  const other = Math.max(0, cpu.machineBusySeconds - known);
  return [seconds.gateways ?? 0, seconds.writers ?? 0, seconds.simulator ?? 0,
    seconds.postgres ?? 0, seconds.valkey ?? 0, seconds.nats ?? 0, seconds.driver ?? 0, other,
    cpu.machineBusySeconds].map((value) => share(value, wall));
}

const CPU_HEADER = "gateways | writers | simulator | postgres | valkey | nats | driver | other | " +
  "machine busy";

function renderLoad(rows: CellRow[]): string[] {
  const lines = [
    "| setup | c | req/s | p50 ms | p99 ms | errors | answered per node | events not yet in " +
      "PostgreSQL at cell end | gateway CPU µs/req |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const answered = row.perNode.reduce((sum, n) => sum + n, 0);
    const cpuPerRequest = (row.cpu.seconds.gateways ?? 0) * 1e6 / Math.max(1, answered);
    lines.push(`| ${row.setup} | ${row.concurrency} | ${fmt(row.perSecond)} | ` +
      `${fmt(row.p50Ms, 2)} | ${fmt(row.p99Ms, 2)} | ${row.errors} | ` +
      `${row.perNode.map((n) => fmt(n)).join(" / ")} | ` +
      `${row.eventBacklog === null ? "–" : fmt(row.eventBacklog)} | ${fmt(cpuPerRequest)} |`);
  }
  lines.push("", `CPU split over each cell, as a share of all ${CORES} cores:`, "",
    `| setup | c | ${CPU_HEADER} |`, `|---|---|${"---|".repeat(9)}`);
  for (const row of rows) {
    lines.push(`| ${row.setup} | ${row.concurrency} | ${cpuColumns(row.cpu).join(" | ")} |`);
  }
  return lines;
}

function renderWritePath(results: WritePathResult[], cpu: CpuSplit[]): string[] {
  const lines = [
    "| writers | events published | published events/s | committed events/s | max backlog | " +
      "all committed after s |",
    "|---|---|---|---|---|---|",
  ];
  for (const result of results) {
    lines.push(`| ${result.writers} | ${fmt(result.published)} | ` +
      `${fmt(result.published / result.publishSeconds)} | ` +
      `${fmt(result.committed / result.commitSeconds)} | ${fmt(result.maxBacklog)} | ` +
      `${result.committed === result.published ? fmt(result.commitSeconds, 1) : "not all"} |`);
  }
  lines.push("", "Backlog (published − committed) over time, sampled every 0.5 s:", "");
  for (const result of results) {
    const series = result.samples.map((s) => fmt(s.published - s.committed)).join(", ");
    lines.push(`- ${result.writers} writer(s): ${series}`);
  }
  lines.push("", `CPU split while publishing and draining, as a share of all ${CORES} cores:`,
    "", `| writers | ${CPU_HEADER} |`, `|---|${"---|".repeat(9)}`);
  results.forEach((result, i) => {
    lines.push(`| ${result.writers} | ${cpuColumns(cpu[i]!).join(" | ")} |`);
  });
  return lines;
}

const startedAt = new Date().toISOString();
const load = loadavg().map((value) => value.toFixed(2)).join(" ");
const rows: CellRow[] = [];
for (const setup of SETUPS) rows.push(...await runSetup(setup));
const writePath = await runWritePath();

const markdown = [
  `### Scale-out run of ${startedAt}${quick ? " (--quick)" : ""}`,
  "",
  `Bun ${Bun.version}, ${CORES} cores, load average at start ${load}. Closed loop, JSON chat ` +
    `requests, one hard org budget never reached, ${CELL_MS / 1000} s per cell after a ` +
    `${WARMUP_MS / 1000} s warm-up per setup; ` +
    `write path ${WRITE_PATH_MS / 1000} s of publishing per row.`,
  "",
  ...renderLoad(rows),
  "",
  ...renderWritePath(writePath.results, writePath.cpu),
  "",
].join("\n");
console.log(markdown);
const resultsDir = join(import.meta.dir, "..", "results");
mkdirSync(join(resultsDir, "raw"), { recursive: true });
writeFileSync(join(resultsDir, "raw", `scale-out-${startedAt.replaceAll(":", "-")}.md`), markdown);
if (!quick) writeFileSync(join(resultsDir, "scale-out-latest.md"), markdown);
process.exit(0);
