/**
 * Vector search benchmark: per-lookup latency of the WebAssembly index against the plain
 * JavaScript one at dimension 384: top-10 over seeded random vectors at 10k and 100k entries,
 * and the semantic cache's lookup (best match above a 0.9 floor) over seeded clusters.
 *
 *   bun vectors/run.ts            full run, about a minute
 *   bun vectors/run.ts --quick    a few lookups per cell, to check that it runs
 *
 * Prints markdown, and keeps a copy in results/raw/ (ignored by git).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { JsVectorIndex } from "../../runtime/vectors/js-vector-index.ts";
import type { VectorIndex, VectorMatch } from "../../runtime/vectors/vector-index.ts";
import { WasmVectorIndex } from "../../runtime/vectors/wasm-vector-index.ts";

const quick = process.argv.includes("--quick");
const DIMENSION = 384;

interface Cell {
  entries: number;
  data: "random" | "clustered";
  k: number;
  minScore: number;
  warmup: number;
  lookups: number;
}

const RANDOM_TOP_10 = { data: "random", k: 10, minScore: -1 } as const;
const CACHE_LOOKUP = { data: "clustered", k: 1, minScore: 0.9 } as const;
const CELLS: Cell[] = quick
  ? [
    { entries: 10_000, ...RANDOM_TOP_10, warmup: 5, lookups: 20 },
    { entries: 100_000, ...RANDOM_TOP_10, warmup: 2, lookups: 5 },
    { entries: 10_000, ...CACHE_LOOKUP, warmup: 5, lookups: 20 },
  ]
  : [
    { entries: 10_000, ...RANDOM_TOP_10, warmup: 100, lookups: 1000 },
    { entries: 100_000, ...RANDOM_TOP_10, warmup: 20, lookups: 200 },
    { entries: 10_000, ...CACHE_LOOKUP, warmup: 100, lookups: 1000 },
  ];

/** Seeded generator (mulberry32), so every run searches the same data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVectors(count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const all = new Float32Array(count * DIMENSION);
  for (let i = 0; i < all.length; i++) all[i] = random() * 2 - 1;
  return Array.from({ length: count }, (_, i) => all.subarray(i * DIMENSION, (i + 1) * DIMENSION));
}

/**
 * Returns `count` vectors spread over 100 seeded cluster centres, with uniform noise of
 * `spread` per lane, like embeddings of related prompts. Two vectors of one cluster have a
 * cosine of about 0.92 at a spread of 0.3 and about 0.86 between spreads of 0.3 and 0.5.
 */
function clusteredVectors(count: number, seed: number, spread = 0.3): Float32Array[] {
  const centres = randomVectors(100, 7);
  const noise = randomVectors(count, seed);
  return noise.map((vector, i) => {
    const centre = centres[i % centres.length] as Float32Array;
    return vector.map((lane, d) => (centre[d] as number) + spread * lane);
  });
}

/**
 * Cache-like queries: even ones repeat a stored entry with small noise (a hit above 0.9), odd
 * ones are new prompts near a cluster centre (mostly misses).
 */
function clusteredQueries(entries: Float32Array[], count: number, seed: number): Float32Array[] {
  const noise = randomVectors(count, seed);
  const centres = clusteredVectors(count, seed + 1, 0.5);
  return noise.map((vector, i) => {
    if (i % 2 === 1) return centres[i] as Float32Array;
    const stored = entries[(i * 7919) % entries.length] as Float32Array;
    return vector.map((lane, d) => (stored[d] as number) + 0.02 * lane);
  });
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

function summarise(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 };
}

/**
 * Throws unless both indexes return the same number of hits with the same scores (within
 * 1e-6), which keeps the int8 screening honest. Returns how many ids differ, which only a
 * near-tie ordered differently by f32 and f64 sums explains.
 */
function compare(wasm: VectorMatch[], js: VectorMatch[]): number {
  if (wasm.length !== js.length) throw new Error(`WASM gave ${wasm.length} hits, JS ${js.length}`);
  let differentIds = 0;
  for (let i = 0; i < wasm.length; i++) {
    const w = wasm[i] as VectorMatch;
    const j = js[i] as VectorMatch;
    if (Math.abs(w.score - j.score) > 1e-6) {
      throw new Error(`hit ${i}: WASM score ${w.score}, JS ${j.score}`);
    }
    if (w.id !== j.id) differentIds++;
  }
  return differentIds;
}

function timed(index: VectorIndex, query: Float32Array, cell: Cell): [number, VectorMatch[]] {
  const start = performance.now();
  const matches = index.search(query, cell.k, cell.minScore);
  return [performance.now() - start, matches];
}

/** Thread CPU time in ms (Bun and Node 23.9+), which preemption by other processes leaves out. */
function threadCpuMs(): number {
  const usage = (process as unknown as { threadCpuUsage(): NodeJS.CpuUsage }).threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

const lines: string[] = [];
const out = (line = "") => lines.push(line);
const memoryLines: string[] = [];

/**
 * Searches each index alone, one lookup after another, so its rows stay in the CPU caches
 * as far as they fit.
 */
function backToBack(
  wasm: WasmVectorIndex,
  js: VectorIndex,
  queries: Float32Array[],
  cell: Cell,
): OrderResult {
  let rescored = 0;
  const wasmRuns = queries.map((query) => {
    const run = timed(wasm, query, cell);
    rescored += wasm.lastRescored;
    return run;
  });
  const jsRuns = queries.map((query) => timed(js, query, cell));
  let differentIds = 0;
  wasmRuns.forEach(([, hits], i) => {
    differentIds += compare(hits, (jsRuns[i] as [number, VectorMatch[]])[1]);
  });
  const times = (runs: [number, VectorMatch[]][]) => runs.slice(cell.warmup).map(([ms]) => ms);
  return {
    wasmMs: times(wasmRuns),
    jsMs: times(jsRuns),
    differentIds,
    rescored,
    hits: 0,
    cpu: undefined,
  };
}

/**
 * Alternates the two query by query, so both see the same machine state and each search
 * evicts the other index's rows: the caches start cold for every lookup.
 */
function interleaved(
  wasm: WasmVectorIndex,
  js: VectorIndex,
  queries: Float32Array[],
  cell: Cell,
): OrderResult {
  const wasmMs: number[] = [];
  const jsMs: number[] = [];
  let differentIds = 0;
  let rescored = 0;
  let hits = 0;
  const cpuMs = { wasm: 0, js: 0 };
  // The thread CPU clock ticks coarsely (a lookup often reads 0), but summed over hundreds of
  // lookups it gives a mean that time slices lost to other processes do not inflate.
  const run = (name: "wasm" | "js", query: Float32Array, measured: boolean) => {
    const cpuStart = threadCpuMs();
    const result = timed(name === "wasm" ? wasm : js, query, cell);
    if (measured) cpuMs[name] += threadCpuMs() - cpuStart;
    return result;
  };
  queries.forEach((query, i) => {
    const measured = i >= cell.warmup;
    // Odd lookups start with the JavaScript index, so neither always follows the other.
    const jsFirst = i % 2 === 1;
    const jsRunFirst = jsFirst ? run("js", query, measured) : undefined;
    const [wasmTime, wasmHits] = run("wasm", query, measured);
    rescored += wasm.lastRescored;
    const [jsTime, jsHits] = jsRunFirst ?? run("js", query, measured);
    differentIds += compare(wasmHits, jsHits);
    if (!measured) return;
    hits += wasmHits.length > 0 ? 1 : 0;
    wasmMs.push(wasmTime);
    jsMs.push(jsTime);
  });
  const cpu = { wasm: cpuMs.wasm / cell.lookups, js: cpuMs.js / cell.lookups };
  return { wasmMs, jsMs, differentIds, rescored, hits, cpu };
}

function runCell(cell: Cell): void {
  const clustered = cell.data === "clustered";
  const vectors = (clustered ? clusteredVectors : randomVectors)(cell.entries, cell.entries);
  const wasm = new WasmVectorIndex(DIMENSION, { initialCapacity: cell.entries });
  const js = new JsVectorIndex(DIMENSION, { initialCapacity: cell.entries });
  vectors.forEach((vector, i) => {
    wasm.add(`entry-${i}`, vector);
    js.add(`entry-${i}`, vector);
  });
  const count = cell.warmup + cell.lookups;
  const queries = clustered
    ? clusteredQueries(vectors, count, cell.entries + 1)
    : randomVectors(count, cell.entries + 1);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  memoryLines.push(
    `| ${cell.entries.toLocaleString("en")} | ${cell.data} | ${mib(wasm.memoryBytes)} | ` +
      `${mib(js.capacity * (DIMENSION * 4 + 1))} |`,
  );

  for (const [mode, run] of [["back to back", backToBack], ["interleaved", interleaved]] as const) {
    printRow(cell, mode, run(wasm, js, queries, cell), queries.length);
    process.stderr.write(`vectors bench: ${cell.entries} entries, ${mode} done\n`);
  }
}

interface OrderResult {
  wasmMs: number[];
  jsMs: number[];
  differentIds: number;
  rescored: number;
  hits: number;
  /** Mean thread CPU ms per measured lookup; interleaved order only. */
  cpu: { wasm: number; js: number } | undefined;
}

function printRow(cell: Cell, mode: string, result: OrderResult, queryCount: number): void {
  const w = summarise(result.wasmMs);
  const j = summarise(result.jsMs);
  const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
  const clustered = cell.data === "clustered";
  const lookup = clustered
    ? `clustered, k=${cell.k}, ≥ ${cell.minScore}`
    : `random, k=${cell.k}`;
  const hits = mode === "interleaved" && clustered ? `, ${result.hits} hits` : "";
  const cpu = result.cpu === undefined
    ? "– | – | –"
    : `${ms(result.cpu.wasm)} | ${ms(result.cpu.js)} | ` +
      `${(result.cpu.js / result.cpu.wasm).toFixed(1)}×`;
  out(
    `| ${cell.entries.toLocaleString("en")} | ${lookup} | ${mode} | ${cell.lookups} | ` +
      `${ms(w.p50)} | ${ms(w.p99)} | ${ms(w.max)} | ${ms(j.p50)} | ${ms(j.p99)} | ` +
      `${ms(j.max)} | ${(j.p50 / w.p50).toFixed(1)}× | ${cpu} | ` +
      `${(result.rescored / queryCount).toFixed(1)}${hits} | ${result.differentIds} |`,
  );
}

const started = new Date();
out(`### Vector search run of ${started.toISOString()}`);
out();
out(
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Bun ${Bun.version}; ` +
    `load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}. ` +
    `Dimension ${DIMENSION}` +
    `${quick ? " (--quick: too few lookups to trust)" : ""}.`,
);
out();
out("| entries | lookup | order | lookups | WASM p50 ms | p99 | max | JS p50 ms | p99 | max " +
  "| JS / WASM at p50 | WASM CPU ms, mean | JS CPU ms, mean | JS / WASM CPU " +
  "| rescored per lookup | ids that differ |");
out("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- " +
  "| --- |");
for (const cell of CELLS) runCell(cell);
out();
out("| entries | data | WASM memory MiB | JS store MiB |");
out("| --- | --- | --- | --- |");
memoryLines.forEach((line) => out(line));

const markdown = lines.join("\n");
console.log(markdown);
const rawDir = join(import.meta.dir, "..", "results", "raw");
mkdirSync(rawDir, { recursive: true });
writeFileSync(
  join(rawDir, `vectors-${started.toISOString().replaceAll(":", "-")}.md`),
  markdown + "\n",
);
