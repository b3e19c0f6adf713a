/**
 * Vector search benchmark: per-lookup latency of the WebAssembly index against the plain
 * JavaScript one, cosine top-10 at dimension 384, over seeded random vectors.
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
const K = 10;
const CELLS = quick
  ? [{ entries: 10_000, warmup: 5, lookups: 20 }, { entries: 100_000, warmup: 2, lookups: 5 }]
  : [{ entries: 10_000, warmup: 100, lookups: 1000 }, { entries: 100_000, warmup: 20, lookups: 200 }];

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

/** Throws unless both indexes return the same scores, which keeps the baseline honest. */
function compare(wasm: VectorMatch[], js: VectorMatch[]): number {
  if (wasm.length !== js.length) throw new Error(`WASM gave ${wasm.length} hits, JS ${js.length}`);
  let differentIds = 0;
  for (let i = 0; i < wasm.length; i++) {
    const w = wasm[i] as VectorMatch;
    const j = js[i] as VectorMatch;
    if (Math.abs(w.score - j.score) > 1e-5) {
      throw new Error(`hit ${i}: WASM score ${w.score}, JS ${j.score}`);
    }
    if (w.id !== j.id) differentIds++;
  }
  return differentIds;
}

function timed(index: VectorIndex, query: Float32Array): [number, VectorMatch[]] {
  const start = performance.now();
  const matches = index.search(query, K, -1);
  return [performance.now() - start, matches];
}

const lines: string[] = [];
const out = (line = "") => lines.push(line);

interface Cell {
  entries: number;
  warmup: number;
  lookups: number;
}

/**
 * Searches each index alone, one lookup after another, so its rows stay in the CPU caches
 * as far as they fit.
 */
function backToBack(wasm: VectorIndex, js: VectorIndex, queries: Float32Array[], cell: Cell) {
  const wasmRuns = queries.map((query) => timed(wasm, query));
  const jsRuns = queries.map((query) => timed(js, query));
  let differentIds = 0;
  wasmRuns.forEach(([, hits], i) => {
    differentIds += compare(hits, (jsRuns[i] as [number, VectorMatch[]])[1]);
  });
  const times = (runs: [number, VectorMatch[]][]) => runs.slice(cell.warmup).map(([ms]) => ms);
  return { wasmMs: times(wasmRuns), jsMs: times(jsRuns), differentIds };
}

/**
 * Alternates the two query by query, so both see the same machine state and each search
 * evicts the other index's rows: the caches start cold for every lookup.
 */
function interleaved(wasm: VectorIndex, js: VectorIndex, queries: Float32Array[], cell: Cell) {
  const wasmMs: number[] = [];
  const jsMs: number[] = [];
  let differentIds = 0;
  queries.forEach((query, i) => {
    const [wasmTime, wasmHits] = timed(wasm, query);
    const [jsTime, jsHits] = timed(js, query);
    differentIds += compare(wasmHits, jsHits);
    if (i < cell.warmup) return;
    wasmMs.push(wasmTime);
    jsMs.push(jsTime);
  });
  return { wasmMs, jsMs, differentIds };
}

function runCell(cell: Cell): void {
  const vectors = randomVectors(cell.entries, cell.entries);
  const wasm = new WasmVectorIndex(DIMENSION, { initialCapacity: cell.entries });
  const js = new JsVectorIndex(DIMENSION, { initialCapacity: cell.entries });
  vectors.forEach((vector, i) => {
    wasm.add(`entry-${i}`, vector);
    js.add(`entry-${i}`, vector);
  });
  const queries = randomVectors(cell.warmup + cell.lookups, cell.entries + 1);

  for (const [mode, run] of [["back to back", backToBack], ["interleaved", interleaved]] as const) {
    const result = run(wasm, js, queries, cell);
    const w = summarise(result.wasmMs);
    const j = summarise(result.jsMs);
    const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
    out(
      `| ${cell.entries.toLocaleString("en")} | ${mode} | ${cell.lookups} | ${ms(w.p50)} | ` +
        `${ms(w.p99)} | ${ms(w.max)} | ${ms(j.p50)} | ${ms(j.p99)} | ${ms(j.max)} | ` +
        `${(j.p50 / w.p50).toFixed(1)}× | ${result.differentIds} |`,
    );
    process.stderr.write(`vectors bench: ${cell.entries} entries, ${mode} done\n`);
  }
}

const started = new Date();
out(`### Vector search run of ${started.toISOString()}`);
out();
out(
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Bun ${Bun.version}; ` +
    `load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}. ` +
    `Dimension ${DIMENSION}, top-${K}, no score floor` +
    `${quick ? " (--quick: too few lookups to trust)" : ""}.`,
);
out();
out("| entries | order | lookups | WASM p50 ms | p99 | max | JS p50 ms | p99 | max " +
  "| JS / WASM at p50 | ids that differ |");
out("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const cell of CELLS) runCell(cell);

const markdown = lines.join("\n");
console.log(markdown);
const rawDir = join(import.meta.dir, "..", "results", "raw");
mkdirSync(rawDir, { recursive: true });
writeFileSync(
  join(rawDir, `vectors-${started.toISOString().replaceAll(":", "-")}.md`),
  markdown + "\n",
);
