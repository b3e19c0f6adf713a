// An exact histogram for tests, so that they run without bench/node_modules installed.
import type { LatencyHistogram } from "../lib/cell-recorder.ts";

export class ArrayHistogram implements LatencyHistogram {
  readonly values: number[] = [];

  recordValue(value: number): void {
    this.values.push(value);
  }

  getValueAtPercentile(percentile: number): number {
    const sorted = [...this.values].sort((a, b) => a - b);
    const index = Math.ceil((percentile / 100) * sorted.length) - 1;
    return sorted[Math.max(0, index)] ?? 0;
  }

  get totalCount(): number {
    return this.values.length;
  }

  get maxValue(): number {
    return Math.max(0, ...this.values);
  }

  destroy(): void {}
}

export const newArrayHistogram = () => new ArrayHistogram();
