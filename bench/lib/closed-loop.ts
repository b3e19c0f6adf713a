// Closed-loop load: `concurrency` workers, each sending its next request as soon as the last
// one finished. It finds the maximum throughput; its latencies ignore queueing that a stalled
// server causes (coordinated omission), so the open model measures latency.
import type { CellRecorder } from "./cell-recorder.ts";
import { sendChatRequest } from "./chat-request.ts";
import type { ChatTarget } from "./chat-request.ts";

export interface ClosedLoopOptions {
  target: ChatTarget;
  concurrency: number;
  durationMs: number;
  timeoutMs: number;
}

/** Runs the loop and returns the elapsed time in ms, up to the last request's completion. */
export async function runClosedLoop(
  options: ClosedLoopOptions,
  recorder: CellRecorder,
): Promise<number> {
  const start = performance.now();
  const deadline = start + options.durationMs;

  const worker = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const outcome = await sendChatRequest(options.target, options.timeoutMs);
      recorder.record(outcome, sentAt);
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return performance.now() - start;
}
