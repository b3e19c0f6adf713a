/**
 * Returns the wait in ms before retry number `attempt`, counting from 0. The ceiling doubles per
 * attempt from `initialMs` up to `maxMs`. The wait is drawn between half the ceiling and the
 * ceiling, so gateways that lost the same SIEM do not retry in step.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
