/**
 * PII engine benchmark: accuracy per entity type on Presidio's labelled set, and throughput of
 * the WebAssembly engine against the same rules written with JavaScript RegExps.
 *
 *   bun pii/run.ts            full run, about a minute
 *   bun pii/run.ts --quick    one short round per cell, to check that it runs
 *
 * Prints markdown, and keeps a copy in results/raw/ (ignored by git).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createPiiScanner } from "../../runtime/pii/scanner.ts";
import {
  labelledSetAvailable,
  loadLabelledSet,
  scoreLabelledSet,
  unscoredEntities,
  type CategoryScore,
} from "../../test/runtime/pii/labelled-set.ts";
import { scanWithRegExp } from "./js-baseline/scanner.ts";
import { makePrompt } from "./prompts.ts";
import { measure, type ThroughputOptions } from "./throughput.ts";

const quick = process.argv.includes("--quick");
const options: ThroughputOptions = quick
  ? { warmupMs: 100, rounds: 1, roundMs: 100 }
  : { warmupMs: 1500, rounds: 5, roundMs: 400 };

const CELLS = [
  { name: "1 KB chat prompt", bytes: 1024, spacing: 500 },
  { name: "16 KB chat prompt", bytes: 16 * 1024, spacing: 500 },
  { name: "1 MB chat prompt", bytes: 1024 * 1024, spacing: 500 },
  { name: "16 KB, no PII", bytes: 16 * 1024, spacing: 0 },
];

const wasm = createPiiScanner();
const scanWasm = (text: string) => wasm.scan(text);
const lines: string[] = [];
const out = (line = "") => lines.push(line);

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function accuracySection(): void {
  out("#### Accuracy on the labelled set");
  out();
  if (!labelledSetAvailable()) {
    out("Skipped: the labelled set is not present.");
    out();
    return;
  }
  const records = loadLabelledSet();
  const wasmScores = scoreLabelledSet(records, scanWasm);
  const jsScores = scoreLabelledSet(records, scanWithRegExp);
  out(`Presidio \`synth_dataset_v2.json\`: ${records.length} records. A prediction counts only`);
  out("with exactly the labelled boundaries; IPv4 and IPv6 score together as `ip`.");
  out();
  out("| category | labelled | WASM TP | FP | FN | precision | recall | JS RegExp precision | recall |");
  out("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const [category, score] of wasmScores) {
    const js = jsScores.get(category) as CategoryScore;
    const labelled = score.truePositives + score.falseNegatives;
    out(
      `| ${category} | ${labelled} | ${score.truePositives} | ${score.falsePositives} | ` +
        `${score.falseNegatives} | ${pct(score.precision)} | ${pct(score.recall)} | ` +
        `${pct(js.precision)} | ${pct(js.recall)} |`,
    );
  }
  out();
  const unscored = [...unscoredEntities(records)].sort((a, b) => b[1] - a[1]);
  out("Entity types in the set that the engine does not detect (spans): " +
    unscored.map(([name, count]) => `${name} ${count}`).join(", ") + ".");
  out();
}

function throughputSection(): void {
  out("#### Throughput (MB/s, median of rounds, min–max in brackets)");
  out();
  out("| prompt | spans | WASM | JS RegExp | WASM / JS |");
  out("| --- | --- | --- | --- | --- |");
  for (const cell of CELLS) {
    const text = makePrompt(cell.bytes, cell.spacing);
    const w = measure(scanWasm, text, cell.bytes, options);
    const j = measure(scanWithRegExp, text, cell.bytes, options);
    if (w.spans !== j.spans) {
      throw new Error(`${cell.name}: WASM found ${w.spans} spans, JS ${j.spans}; fix the baseline`);
    }
    const range = (t: { min: number; max: number }) => `(${t.min.toFixed(0)}–${t.max.toFixed(0)})`;
    out(
      `| ${cell.name} | ${w.spans} | ${w.mbPerSecond.toFixed(0)} ${range(w)} | ` +
        `${j.mbPerSecond.toFixed(1)} ${range(j)} | ${(w.mbPerSecond / j.mbPerSecond).toFixed(1)}× |`,
    );
    process.stderr.write(`pii bench: ${cell.name} done\n`);
  }
  out();
}

const started = new Date();
out(`### PII engine run of ${started.toISOString()}`);
out();
out(
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Bun ${Bun.version}; ` +
    `load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}. ` +
    `Rounds: ${options.rounds} × ${options.roundMs} ms after ${options.warmupMs} ms warm-up` +
    `${quick ? " (--quick: too short to trust)" : ""}.`,
);
out();
accuracySection();
throughputSection();

const markdown = lines.join("\n");
console.log(markdown);
const rawDir = join(import.meta.dir, "..", "results", "raw");
mkdirSync(rawDir, { recursive: true });
writeFileSync(join(rawDir, `pii-${started.toISOString().replaceAll(":", "-")}.md`), markdown + "\n");
