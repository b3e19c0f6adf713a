// Collects the outcomes of one measured cell (one contender, scenario and load level).
import type { RequestErrorCode, RequestOutcome } from "./chat-request.ts";

/** The part of an HDR histogram the driver uses; values are microseconds. */
export interface LatencyHistogram {
  recordValue(value: number): void;
  getValueAtPercentile(percentile: number): number;
  readonly totalCount: number;
  readonly maxValue: number;
  destroy(): void;
}

export type HistogramFactory = () => LatencyHistogram;

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class CellRecorder {
  readonly latency: LatencyHistogram;
  readonly firstChunk: LatencyHistogram;
  ok = 0;
  readonly errors: Partial<Record<RequestErrorCode, number>> = {};
  /** The first error detail seen for each code. */
  readonly errorDetails: Partial<Record<RequestErrorCode, string>> = {};

  constructor(newHistogram: HistogramFactory) {
    this.latency = newHistogram();
    this.firstChunk = newHistogram();
  }

  /**
   * Records a finished request. `fromMs` is when the request counts as started: the actual
   * send in a closed loop, the intended send time in an open model.
   */
  record(outcome: RequestOutcome, fromMs: number): void {
    if (outcome.error !== undefined) {
      this.errors[outcome.error] = (this.errors[outcome.error] ?? 0) + 1;
      this.errorDetails[outcome.error] ??= outcome.detail;
      return;
    }

    this.ok++;
    this.latency.recordValue(toMicros(outcome.doneAt - fromMs));
    if (outcome.firstChunkAt !== undefined) {
      this.firstChunk.recordValue(toMicros(outcome.firstChunkAt - fromMs));
    }
  }

  errorCount(): number {
    return Object.values(this.errors).reduce((sum, count) => sum + count, 0);
  }

  destroy(): void {
    this.latency.destroy();
    this.firstChunk.destroy();
  }
}

function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}

/** Reads p50, p90, p99 and max in milliseconds; undefined for an empty histogram. */
export function percentilesMs(histogram: LatencyHistogram): Percentiles | undefined {
  if (histogram.totalCount === 0) return undefined;
  const at = (p: number) => histogram.getValueAtPercentile(p) / 1000;
  return { p50: at(50), p90: at(90), p99: at(99), max: histogram.maxValue / 1000 };
}
