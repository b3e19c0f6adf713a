#!/usr/bin/env bun
// Benchmark driver: starts a mock upstream and every contender on 127.0.0.1, measures them side
// by side (closed loop for throughput, open model for latency), writes markdown and JSON to
// bench/results/ and stops every process it started. `bun run.ts --help` lists the options.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Contender } from "./contenders/contender.ts";
import { portkeyVersion } from "./contenders/portkey.ts";
import { CellRecorder } from "./lib/cell-recorder.ts";
import type { CellKey, CellResult, LoadMode } from "./lib/cell-result.ts";
import { cellLabel } from "./lib/cell-result.ts";
import { chatTarget } from "./lib/chat-request.ts";
import type { Scenario } from "./lib/chat-request.ts";
import { stopAllChildren, stopChild, stopChildrenOnExit } from "./lib/child-process.ts";
import type { Child } from "./lib/child-process.ts";
import { OptionError, USAGE, parseOptions } from "./lib/cli-options.ts";
import type { BenchOptions } from "./lib/cli-options.ts";
import { runClosedLoop } from "./lib/closed-loop.ts";
import { createHdrHistogram } from "./lib/hdr-histogram.ts";
import { readMachineInfo } from "./lib/machine-info.ts";
import { treeMemoryMib } from "./lib/proc-stats.ts";
import { renderMarkdown } from "./lib/render-markdown.ts";
import type { ContenderReport, RunReport } from "./lib/render-markdown.ts";
import { runCell } from "./lib/run-cell.ts";
import { startContenders, startUpstream } from "./lib/start-targets.ts";
import { derivedOpenRate, summarizeCells, throughputRatios } from "./lib/summarize.ts";

const benchRoot = import.meta.dir;
const repoRoot = dirname(benchRoot);
const SETTLE_MS = 150;

/** Seconds the run should take: measured cells, warm-ups and a start-up allowance. */
function estimateSeconds(options: BenchOptions): number {
  const perRound = options.scenarios.length * options.contenders.length;
  const cells = perRound * options.rounds * (options.concurrency.length + 1);
  const warmups = perRound * options.warmupSeconds;
  return Math.round(cells * (options.durationSeconds + SETTLE_MS / 1000) + warmups + 20);
}

/** Stops the run by itself if it takes far longer than planned, e.g. on a hung contender. */
function startWatchdog(estimate: number): Timer {
  const limitSeconds = estimate * 2 + 120;
  const timer = setTimeout(() => {
    console.error(`bench: no finish after ${limitSeconds} s; stopping`);
    process.kill(process.pid, "SIGTERM");
  }, limitSeconds * 1000);
  timer.unref();
  return timer;
}

async function warmUp(contenders: Contender[], options: BenchOptions): Promise<void> {
  if (options.warmupSeconds === 0) return;
  const concurrency = Math.max(...options.concurrency);
  for (const contender of contenders) {
    for (const scenario of options.scenarios) {
      const target = chatTarget(contender.baseUrl, contender.headers, contender.model, scenario);
      const recorder = new CellRecorder(createHdrHistogram);
      const durationMs = options.warmupSeconds * 1000;
      const load = { target, concurrency, durationMs, timeoutMs: options.timeoutMs };
      await runClosedLoop(load, recorder);
      recorder.destroy();
    }
  }
}

/** Rotates the contender order each round so that slow drift of the machine spreads evenly. */
function rotated<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function runPhase(
  mode: LoadMode,
  levels: Map<Scenario, number[]>,
  contenders: Contender[],
  options: BenchOptions,
  upstream: Child,
): Promise<CellResult[]> {
  const settings = {
    durationMs: options.durationSeconds * 1000,
    timeoutMs: options.timeoutMs,
    maxInFlight: options.maxInFlight,
    newHistogram: createHdrHistogram,
    upstream,
  };
  const results: CellResult[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const [scenario, scenarioLevels] of levels) {
      for (const level of scenarioLevels) {
        for (const contender of rotated(contenders, round - 1)) {
          const key: CellKey = { mode, scenario, level, contender: contender.name };
          const result = await runCell(key, round, contender, settings);
          results.push(result);
          logCell(result);
          await Bun.sleep(SETTLE_MS);
        }
      }
    }
  }
  return results;
}

function logCell(result: CellResult): void {
  const p50 = result.latencyMs?.p50.toFixed(2) ?? "–";
  const errors = Object.values(result.errors).reduce((sum, n) => sum + n, 0);
  const line = `round ${result.round} ${cellLabel(result)}: ${Math.round(result.reqPerSec)} req/s`;
  const details = Object.entries(result.errorDetails).map(([code, text]) => `${code}: ${text}`);
  const detailText = details.length > 0 ? ` (${details.join("; ")})` : "";
  console.error(`${line}, p50 ${p50} ms, errors ${errors}${detailText}`);
}

function openRates(closed: CellResult[], options: BenchOptions): Map<Scenario, number[]> {
  const rows = summarizeCells(closed);
  const rates = new Map<Scenario, number[]>();
  for (const scenario of options.scenarios) {
    const rate = options.openRate ?? derivedOpenRate(rows, scenario, options.openFraction);
    if (rate !== undefined) rates.set(scenario, [rate]);
  }
  return rates;
}

function writeResults(report: RunReport, results: CellResult[], options: BenchOptions): string {
  const markdown = renderMarkdown(report);
  const json = JSON.stringify({ ...report, options, cells: results }, null, 2);
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  mkdirSync(join(options.outDir, "raw"), { recursive: true });
  writeFileSync(join(options.outDir, "raw", `${stamp}.md`), markdown);
  writeFileSync(join(options.outDir, "raw", `${stamp}.json`), json);
  writeFileSync(join(options.outDir, "latest.md"), markdown);
  writeFileSync(join(options.outDir, "latest.json"), json);
  return markdown;
}

function settingsLine(options: BenchOptions): string {
  const parts = [
    `${options.rounds} round(s) × ${options.durationSeconds} s per cell`,
    `${options.warmupSeconds} s warm-up per contender and scenario`,
    `closed-loop concurrency ${options.concurrency.join(", ")}`,
    `upstream first byte ${options.firstByteMs} ms`,
    `${options.chunks} chunks ${options.chunkGapMs} ms apart`,
  ];
  return parts.join("; ");
}

function recordPeakMemory(reports: ContenderReport[], contenders: Contender[]): void {
  for (const contender of contenders) {
    const report = reports.find((candidate) => candidate.name === contender.name);
    if (report !== undefined) report.peakRssMib = treeMemoryMib(contender.process.pid, "VmHWM");
  }
}

async function measure(options: BenchOptions, workDir: string): Promise<string> {
  const startedAt = new Date().toISOString();
  const machine = readMachineInfo(portkeyVersion(benchRoot));
  const { upstream, origin, listeners } = await startUpstream(options, benchRoot, workDir);
  const context = {
    upstreamOrigin: origin,
    upstream,
    upstreamListeners: listeners,
    repoRoot,
    benchRoot,
    workDir,
  };
  const { running, reports } = await startContenders(options, context);

  try {
    if (running.length === 0) throw new Error("no contender started; see the messages above");
    await warmUp(running, options);

    const closedLevels = new Map(options.scenarios.map((s) => [s, options.concurrency]));
    const closed = await runPhase("closed", closedLevels, running, options, upstream);
    const rates = openRates(closed, options);
    const open = await runPhase("open", rates, running, options, upstream);
    recordPeakMemory(reports, running);

    const results = [...closed, ...open];
    const ratios = [
      ...throughputRatios(results, "nexus", "bare-proxy"),
      ...throughputRatios(results, "nexus", "portkey"),
      ...throughputRatios(results, "bare-proxy", "direct"),
      ...throughputRatios(results, "portkey", "direct"),
    ];
    const report: RunReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      settings: settingsLine(options),
      contenders: reports,
      rows: summarizeCells(results),
      ratios,
      openRates: Object.fromEntries([...rates].map(([scenario, [rate]]) => [scenario, rate])),
    };
    return writeResults(report, results, options);
  } finally {
    for (const contender of running) await contender.stop();
    await stopChild(upstream);
  }
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(argv, join(benchRoot, "results"));
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  stopChildrenOnExit();
  const estimate = estimateSeconds(options);
  const watchdog = startWatchdog(estimate);
  const minutes = Math.ceil(estimate / 60);
  console.error(`bench: planned about ${minutes} min; results go to ${options.outDir}`);

  const workDir = mkdtempSync(join(tmpdir(), "nexus-bench-"));
  try {
    console.log(await measure(options, workDir));
    rmSync(workDir, { recursive: true, force: true });
    return 0;
  } catch (error) {
    console.error(`bench: failed: ${(error as Error).message}; logs kept in ${workDir}`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    await stopAllChildren();
  }
}

const exitCode = await main(Bun.argv.slice(2));
process.exit(exitCode);
