// Open-model load: requests arrive at a constant rate whether or not earlier ones finished.
// Latency counts from each request's intended send time, so time spent waiting behind a slow
// server is measured instead of hidden (the coordinated-omission correction).
import type { CellRecorder } from "./cell-recorder.ts";
import { sendChatRequest } from "./chat-request.ts";
import type { ChatTarget } from "./chat-request.ts";

export interface OpenLoopOptions {
  target: ChatTarget;
  /** Arrival rate in requests per second. */
  rate: number;
  durationMs: number;
  timeoutMs: number;
  /** Bound on requests in flight; later arrivals wait, and their wait counts as latency. */
  maxInFlight: number;
}

export interface OpenLoopResult {
  elapsedMs: number;
  sent: number;
  /** Largest gap between a request's intended and actual send time, in ms. */
  maxSendLagMs: number;
}

export async function runOpenLoop(
  options: OpenLoopOptions,
  recorder: CellRecorder,
): Promise<OpenLoopResult> {
  const count = Math.floor((options.rate * options.durationMs) / 1000);
  const intervalMs = 1000 / options.rate;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let maxSendLagMs = 0;

  for (let i = 0; i < count; i++) {
    const intendedAt = start + i * intervalMs;
    const waitMs = intendedAt - performance.now();
    if (waitMs > 0) await Bun.sleep(waitMs);
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);

    // Timers may fire up to 1 ms early. An early request counts from its actual send, a late
    // one from its intended time, so that the wait it was forced into counts as latency.
    const sentAt = performance.now();
    const from = Math.min(sentAt, intendedAt);
    maxSendLagMs = Math.max(maxSendLagMs, sentAt - intendedAt);
    const request = sendChatRequest(options.target, options.timeoutMs).then((outcome) => {
      recorder.record(outcome, from);
      inFlight.delete(request);
    });
    inFlight.add(request);
  }

  await Promise.all(inFlight);
  return { elapsedMs: performance.now() - start, sent: count, maxSendLagMs };
}
