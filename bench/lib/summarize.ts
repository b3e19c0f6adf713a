// Turns per-round cell results into medians, added latency against `direct` and ratios.
import type { ContenderName } from "../contenders/contender.ts";
import type { CellKey, CellResult, LoadMode } from "./cell-result.ts";
import type { Scenario } from "./chat-request.ts";

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface SummaryRow extends CellKey {
  rounds: number;
  ok: number;
  errors: number;
  reqPerSec: Spread;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  firstChunkP50Ms?: number;
  firstChunkP99Ms?: number;
  /** Median over rounds of (this p50 − direct's p50 in the same round). */
  addedP50Ms?: number;
  addedP99Ms?: number;
  addedFirstChunkP50Ms?: number;
  cpuMicrosPerRequest: number;
  upstreamCpuMicrosPerRequest: number;
  driverCpuMicrosPerRequest: number;
  maxSendLagMs?: number;
}

export interface RatioRow {
  numerator: ContenderName;
  denominator: ContenderName;
  scenario: Scenario;
  concurrency: number;
  /** Median over rounds of the per-round throughput ratio. */
  ratio: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOf(values: (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length === 0 ? undefined : median(present);
}

function errorTotal(cell: CellResult): number {
  return Object.values(cell.errors).reduce((sum, count) => sum + count, 0);
}

function groupKey(key: CellKey): string {
  return `${key.mode}|${key.scenario}|${key.level}|${key.contender}`;
}

function groupCells(results: CellResult[]): Map<string, CellResult[]> {
  const groups = new Map<string, CellResult[]>();
  for (const result of results) {
    const key = groupKey(result);
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return groups;
}

/** Per-round differences `pick(cell) − pick(direct cell of the same round)`, then the median. */
function addedOverDirect(
  cells: CellResult[],
  baseline: CellResult[] | undefined,
  pick: (cell: CellResult) => number | undefined,
): number | undefined {
  if (baseline === undefined) return undefined;
  const differences = cells.map((cell) => {
    const base = baseline.find((candidate) => candidate.round === cell.round);
    const value = pick(cell);
    const baseValue = base === undefined ? undefined : pick(base);
    return value === undefined || baseValue === undefined ? undefined : value - baseValue;
  });
  return medianOf(differences);
}

function summarizeGroup(cells: CellResult[], baseline: CellResult[] | undefined): SummaryRow {
  const first = cells[0]!;
  const rates = cells.map((cell) => cell.reqPerSec);
  const p50 = (cell: CellResult) => cell.latencyMs?.p50;
  const p99 = (cell: CellResult) => cell.latencyMs?.p99;
  const chunkP50 = (cell: CellResult) => cell.firstChunkMs?.p50;
  const lags = cells.map((cell) => cell.maxSendLagMs).filter((lag) => lag !== undefined);

  return {
    mode: first.mode,
    scenario: first.scenario,
    level: first.level,
    contender: first.contender,
    rounds: cells.length,
    ok: cells.reduce((sum, cell) => sum + cell.ok, 0),
    errors: cells.reduce((sum, cell) => sum + errorTotal(cell), 0),
    reqPerSec: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
    latencyP50Ms: medianOf(cells.map(p50)),
    latencyP99Ms: medianOf(cells.map(p99)),
    firstChunkP50Ms: medianOf(cells.map(chunkP50)),
    firstChunkP99Ms: medianOf(cells.map((cell) => cell.firstChunkMs?.p99)),
    addedP50Ms: addedOverDirect(cells, baseline, p50),
    addedP99Ms: addedOverDirect(cells, baseline, p99),
    addedFirstChunkP50Ms: addedOverDirect(cells, baseline, chunkP50),
    cpuMicrosPerRequest: median(cells.map((cell) => cell.cpuMicrosPerRequest)),
    upstreamCpuMicrosPerRequest: median(cells.map((cell) => cell.upstreamCpuMicrosPerRequest)),
    driverCpuMicrosPerRequest: median(cells.map((cell) => cell.driverCpuMicrosPerRequest)),
    maxSendLagMs: lags.length === 0 ? undefined : Math.max(...lags),
  };
}

/**
 * Summarizes results into one row per cell, in the order the cells first appear. Rows of
 * `direct` have no added figures.
 */
export function summarizeCells(results: CellResult[]): SummaryRow[] {
  const groups = groupCells(results);
  return [...groups.values()].map((cells) => {
    const first = cells[0]!;
    const isDirect = first.contender === "direct";
    const baseline = isDirect ? undefined : groups.get(groupKey({ ...first, contender: "direct" }));
    return summarizeGroup(cells, baseline);
  });
}

/** Closed-loop throughput ratios numerator/denominator for every scenario and concurrency. */
export function throughputRatios(
  results: CellResult[],
  numerator: ContenderName,
  denominator: ContenderName,
): RatioRow[] {
  const closed = results.filter((cell) => cell.mode === "closed");
  const rateOf = new Map<string, number>();
  for (const cell of closed) {
    rateOf.set(`${cell.scenario}|${cell.level}|${cell.round}|${cell.contender}`, cell.reqPerSec);
  }

  const ratiosByLevel = new Map<string, { scenario: Scenario; level: number; ratios: number[] }>();
  for (const cell of closed.filter((candidate) => candidate.contender === numerator)) {
    const base = rateOf.get(`${cell.scenario}|${cell.level}|${cell.round}|${denominator}`);
    if (base === undefined || base === 0) continue;

    const levelKey = `${cell.scenario}|${cell.level}`;
    const entry = ratiosByLevel.get(levelKey) ?? {
      scenario: cell.scenario,
      level: cell.level,
      ratios: [] as number[],
    };
    entry.ratios.push(cell.reqPerSec / base);
    ratiosByLevel.set(levelKey, entry);
  }

  return [...ratiosByLevel.values()].map((entry) => ({
    numerator,
    denominator,
    scenario: entry.scenario,
    concurrency: entry.level,
    ratio: median(entry.ratios),
  }));
}

/** Computes a scenario's open-model rate: a share of the slowest contender's best req/s. */
export function derivedOpenRate(
  rows: SummaryRow[],
  scenario: Scenario,
  fraction: number,
): number | undefined {
  const best = new Map<ContenderName, number>();
  for (const row of rows) {
    if (row.mode !== ("closed" satisfies LoadMode) || row.scenario !== scenario) continue;
    best.set(row.contender, Math.max(best.get(row.contender) ?? 0, row.reqPerSec.median));
  }
  if (best.size === 0) return undefined;
  return Math.max(1, Math.floor(Math.min(...best.values()) * fraction));
}
