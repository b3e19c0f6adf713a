import { describe, expect, test } from "bun:test";
import type { ContenderName } from "../contenders/contender.ts";
import type { CellResult } from "../lib/cell-result.ts";
import { derivedOpenRate, median, summarizeCells, throughputRatios } from "../lib/summarize.ts";

function cell(contender: ContenderName, round: number, reqPerSec: number, p50: number): CellResult {
  return {
    mode: "closed",
    scenario: "json",
    level: 16,
    contender,
    round,
    elapsedMs: 1000,
    ok: reqPerSec,
    errors: {},
    errorDetails: {},
    reqPerSec,
    latencyMs: { p50, p90: p50 * 2, p99: p50 * 3, max: p50 * 4 },
    firstChunkMs: undefined,
    cpuMicrosPerRequest: 50,
    upstreamCpuMicrosPerRequest: 30,
    driverCpuMicrosPerRequest: 40,
  };
}

const results = [
  cell("direct", 1, 1000, 1.0),
  cell("direct", 2, 2000, 2.0),
  cell("direct", 3, 1500, 1.0),
  cell("bare-proxy", 1, 800, 1.5),
  cell("bare-proxy", 2, 1000, 3.0),
  cell("bare-proxy", 3, 1200, 1.2),
];

describe("summarize", () => {
  const medians: [number[], number][] = [
    [[3, 1, 2], 2],
    [[4, 1, 2, 3], 2.5],
    [[7], 7],
  ];
  for (const [values, expected] of medians) {
    test(`median of ${values.join(",")} is ${expected}`, () => {
      expect(median(values)).toBe(expected);
    });
  }

  test("median of nothing is NaN", () => {
    expect(median([])).toBeNaN();
  });

  test("added latency pairs rounds with direct", () => {
    const rows = summarizeCells(results);
    const proxy = rows.find((row) => row.contender === "bare-proxy")!;
    // Per-round differences 0.5, 1.0, 0.2: the median is 0.5.
    expect(proxy.addedP50Ms).toBeCloseTo(0.5, 6);
    expect(proxy.reqPerSec).toEqual({ median: 1000, min: 800, max: 1200 });
    expect(rows.find((row) => row.contender === "direct")!.addedP50Ms).toBeUndefined();
  });

  test("throughput ratio is the median per-round ratio", () => {
    const [ratio, ...rest] = throughputRatios(results, "bare-proxy", "direct");
    // Per-round ratios 0.8, 0.5, 0.8.
    expect(ratio!.ratio).toBeCloseTo(0.8, 6);
    expect(ratio!.concurrency).toBe(16);
    expect(rest).toHaveLength(0);
  });

  test("ratio against a missing contender is empty", () => {
    expect(throughputRatios(results, "nexus", "direct")).toEqual([]);
  });

  test("open rate is a share of the slowest", () => {
    const rows = summarizeCells(results);
    expect(derivedOpenRate(rows, "json", 0.5)).toBe(500);
    expect(derivedOpenRate(rows, "stream", 0.5)).toBeUndefined();
  });
});
