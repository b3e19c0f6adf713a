// Closed-loop load spread over several gateway nodes: worker i always sends to node
// i mod n, as clients behind a connection-pinning load balancer would.
import { CellRecorder } from "../lib/cell-recorder.ts";
import { chatTarget, sendChatRequest } from "../lib/chat-request.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";

export interface SpreadLoadOptions {
  urls: string[];
  key: string;
  concurrency: number;
  durationMs: number;
  timeoutMs: number;
}

export interface SpreadLoadResult {
  recorder: CellRecorder;
  elapsedMs: number;
  /** Successful requests per node, in the order of `urls`. */
  perNode: number[];
}

/** Runs the loop for `durationMs` and returns its recorder, which the caller destroys. */
export async function runSpreadLoad(options: SpreadLoadOptions): Promise<SpreadLoadResult> {
  const recorder = new CellRecorder(createHdrHistogram);
  const headers = { authorization: `Bearer ${options.key}` };
  const targets = options.urls.map((url) => chatTarget(url, headers, "gpt-test", "json"));
  const perNode = options.urls.map(() => 0);
  const start = performance.now();
  const deadline = start + options.durationMs;

  const worker = async (index: number) => {
    const node = index % targets.length;
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const outcome = await sendChatRequest(targets[node]!, options.timeoutMs);
      recorder.record(outcome, sentAt);
      if (outcome.error === undefined) perNode[node]! += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  return { recorder, elapsedMs: performance.now() - start, perNode };
}
