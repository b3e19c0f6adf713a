/** Throughput of a scan function on one text, in MB/s (10^6 bytes per second). */
export interface Throughput {
  mbPerSecond: number;
  /** Lowest and highest round. */
  min: number;
  max: number;
  spans: number;
}

export interface ThroughputOptions {
  warmupMs: number;
  rounds: number;
  roundMs: number;
}

/**
 * Scans `text` in a loop: first for `warmupMs` so the JIT and the WebAssembly tiers settle,
 * then `rounds` rounds of at least `roundMs` each. Reports the median round.
 */
export function measure(
  scan: (text: string) => unknown[],
  text: string,
  bytes: number,
  options: ThroughputOptions,
): Throughput {
  const spans = scan(text).length;
  const warmupEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmupEnd) scan(text);

  const rates: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < options.roundMs) {
      scan(text);
      iterations++;
      elapsed = performance.now() - start;
    }
    rates.push((bytes * iterations) / 1e6 / (elapsed / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    mbPerSecond: rates[Math.floor(rates.length / 2)]!,
    min: rates[0]!,
    max: rates[rates.length - 1]!,
    spans,
  };
}
