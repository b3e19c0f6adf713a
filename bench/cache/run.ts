/**
 * Cost and gain of the cache, the quota step and routing, measured side by side in one run
 * against the simulator, with every gateway in this process on loopback:
 *  1. an exact-match cache hit against the same prompt through a gateway without a cache;
 *  2. a gateway with a hard quota rule (a budget never reached) against one without;
 *  3. a two-target fallback model whose first target answers against a single-target model.
 * Each scenario runs at concurrency 1 and 16 (closed loop), in rounds that rotate through
 * the scenarios so that all of them see the same machine state.
 *
 *   bun cache/run.ts            full run, 3,000 requests per scenario and concurrency
 *   bun cache/run.ts --quick    300 requests, to check that it runs
 *
 * Prints markdown and writes it to results/cache-latest.md.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "../../test/simulator/server.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";
import { type BenchGateway, startBenchGateway } from "../lib/bench-gateway.ts";

const quick = process.argv.includes("--quick");
const REQUESTS = quick ? 300 : 3000;
const WARMUP = quick ? 20 : 100;
const ROUNDS = 4;
const CONCURRENCIES = [1, 16];
const PROMPT = "Name three prime numbers and say why each is prime.";

interface Scenario {
  name: string;
  gateway: BenchGateway;
  model: string;
  /** The `x-nexus-cache` value every measured answer must carry, when set. */
  expectCache?: string;
}

/** Latencies in µs and the wall time of one scenario at one concurrency. */
interface Tally {
  histogram: ReturnType<typeof createHdrHistogram>;
  elapsedMs: number;
}

async function sendOne(scenario: Scenario): Promise<number> {
  const { gateway, model } = scenario;
  const started = performance.now();
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: PROMPT }] }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${scenario.name}: status ${response.status}`);
  const cache = response.headers.get("x-nexus-cache");
  if (scenario.expectCache !== undefined && cache !== scenario.expectCache) {
    const expected = scenario.expectCache;
    throw new Error(`${scenario.name}: expected x-nexus-cache ${expected}, got ${cache}`);
  }
  return (performance.now() - started) * 1000;
}

/** Sends `count` requests from `concurrency` workers; records them unless `tally` is null. */
async function runBatch(
  scenario: Scenario,
  concurrency: number,
  count: number,
  tally: Tally | null,
): Promise<void> {
  let remaining = count;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      remaining -= 1;
      const micros = await sendOne(scenario);
      tally?.histogram.recordValue(Math.max(1, Math.round(micros)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (tally !== null) tally.elapsedMs += performance.now() - started;
}

async function measure(scenarios: Scenario[], concurrency: number): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  for (const scenario of scenarios) {
    tallies.set(scenario.name, { histogram: createHdrHistogram(), elapsedMs: 0 });
    await runBatch(scenario, concurrency, WARMUP, null);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const scenario of scenarios) {
      await runBatch(scenario, concurrency, REQUESTS / ROUNDS, tallies.get(scenario.name)!);
    }
  }
  return tallies;
}

function row(name: string, concurrency: number, tally: Tally): string {
  const { histogram } = tally;
  const perSecond = Math.round(histogram.totalCount / (tally.elapsedMs / 1000));
  return `| ${name} | ${concurrency} | ${histogram.getValueAtPercentile(50)} | ` +
    `${histogram.getValueAtPercentile(99)} | ${perSecond} |`;
}

const simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
const plain = await startBenchGateway(simulator.url, {});
const cached = await startBenchGateway(simulator.url, { cache: { enabled: true } });
const quota = await startBenchGateway(simulator.url, {
  quotas: {
    rules: [{ axis: "org", match: "*", window: "day", limit: { tokens: 1e12 }, mode: "hard" }],
  },
});
const scenarios: Scenario[] = [
  { name: "no cache (every request upstream)", gateway: plain, model: "gpt-test" },
  { name: "cache hit", gateway: cached, model: "gpt-test", expectCache: "hit" },
  { name: "quota rule, hard", gateway: quota, model: "gpt-test" },
  { name: "fallback route, 2 targets", gateway: plain, model: "gpt-routed" },
];

const rows: string[] = [];
try {
  // The first request stores the answer, so every measured request of the cached gateway hits.
  await sendOne({ ...scenarios[1]!, expectCache: undefined });
  for (const concurrency of CONCURRENCIES) {
    const tallies = await measure(scenarios, concurrency);
    for (const scenario of scenarios) {
      rows.push(row(scenario.name, concurrency, tallies.get(scenario.name)!));
    }
  }
} finally {
  for (const gateway of [plain, cached, quota]) await gateway.stop();
  await simulator.close();
}

const lines = [
  `## Cache, quotas and routing (${new Date().toISOString()}, Bun ${Bun.version})`,
  "",
  `${REQUESTS} JSON chat requests per row after ${WARMUP} unrecorded, same prompt, closed ` +
    "loop. The baseline for every row is the first row at the same concurrency.",
  "",
  "| scenario | concurrency | p50 µs | p99 µs | req/s |",
  "|---|---|---|---|---|",
  ...rows,
  "",
];
const markdown = lines.join("\n");
console.log(markdown);
writeFileSync(join(import.meta.dir, "..", "results", "cache-latest.md"), `${markdown}\n`);
