import { afterAll, describe, expect, test } from "bun:test";
import { CellRecorder } from "../lib/cell-recorder.ts";
import { chatTarget } from "../lib/chat-request.ts";
import { runClosedLoop } from "../lib/closed-loop.ts";
import { runOpenLoop } from "../lib/open-loop.ts";
import { startMockUpstream } from "../servers/mock-upstream.ts";
import type { ArrayHistogram } from "./array-histogram.ts";
import { newArrayHistogram } from "./array-histogram.ts";

const fast = startMockUpstream({ port: 0, firstByteMs: 0, chunkGapMs: 0, chunks: 3 });
const slow = startMockUpstream({ port: 0, firstByteMs: 50, chunkGapMs: 0, chunks: 3 });
afterAll(() => {
  fast.stop(true);
  slow.stop(true);
});

function target(port: number | undefined) {
  return chatTarget(`http://127.0.0.1:${port}`, {}, "m", "json");
}

describe("load loops", () => {
  test("closed loop keeps sending until the deadline", async () => {
    const recorder = new CellRecorder(newArrayHistogram);
    const options = { target: target(fast.port), concurrency: 4, durationMs: 300, timeoutMs: 2000 };
    const elapsedMs = await runClosedLoop(options, recorder);
    expect(recorder.errorCount()).toBe(0);
    expect(recorder.ok).toBeGreaterThan(20);
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
  });

  test("open model sends rate × duration requests", async () => {
    const recorder = new CellRecorder(newArrayHistogram);
    const options = { target: target(fast.port), rate: 200, durationMs: 500, timeoutMs: 2000 };
    const result = await runOpenLoop({ ...options, maxInFlight: 50 }, recorder);
    expect(result.sent).toBe(100);
    expect(recorder.ok).toBe(100);
    expect(result.maxSendLagMs).toBeLessThan(50);
  });

  test("open model counts queueing behind a slow server", async () => {
    // 20 arrivals 10 ms apart, one at a time, 50 ms each: the last waits about 19 × 40 ms.
    const recorder = new CellRecorder(newArrayHistogram);
    const options = { target: target(slow.port), rate: 100, durationMs: 200, timeoutMs: 5000 };
    const result = await runOpenLoop({ ...options, maxInFlight: 1 }, recorder);
    const latencies = (recorder.latency as ArrayHistogram).values;
    expect(result.sent).toBe(20);
    expect(Math.max(...latencies)).toBeGreaterThan(500_000);
    expect(Math.min(...latencies)).toBeLessThan(200_000);
  });
});
