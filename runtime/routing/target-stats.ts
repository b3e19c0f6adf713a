/** Moving averages of one target's observed attempts. */
export interface TargetObservation {
  /** Exponentially weighted mean latency of successful attempts, in ms; null before one. */
  latencyMs: number | null;
  /** Exponentially weighted share of failed attempts, 0..1. */
  errorRate: number;
  attempts: number;
}

/**
 * In-memory observations per target (provider and upstream model), kept by the running
 * gateway and lost on restart. `alpha` is the weight of the newest observation.
 */
export class TargetStats {
  readonly #byTarget = new Map<string, TargetObservation>();

  get(providerId: string, upstreamModel: string): TargetObservation | undefined {
    return this.#byTarget.get(keyOf(providerId, upstreamModel));
  }

  /** Records one attempt; the latency of a failed attempt does not count. */
  record(
    providerId: string,
    upstreamModel: string,
    outcome: { ok: boolean; ms: number },
    alpha: number,
  ): void {
    const key = keyOf(providerId, upstreamModel);
    const seen = this.#byTarget.get(key) ?? { latencyMs: null, errorRate: 0, attempts: 0 };
    const failed = outcome.ok ? 0 : 1;
    this.#byTarget.set(key, {
      latencyMs: !outcome.ok ? seen.latencyMs
        : seen.latencyMs === null ? outcome.ms
        : seen.latencyMs + alpha * (outcome.ms - seen.latencyMs),
      errorRate: seen.attempts === 0 ? failed : seen.errorRate + alpha * (failed - seen.errorRate),
      attempts: seen.attempts + 1,
    });
  }
}

function keyOf(providerId: string, upstreamModel: string): string {
  return `${providerId}\u0000${upstreamModel}`;
}
