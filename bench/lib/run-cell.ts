// Runs one cell: load against one contender while its CPU time is read from /proc.
import type { Contender } from "../contenders/contender.ts";
import type { Child } from "./child-process.ts";
import { CellRecorder, percentilesMs } from "./cell-recorder.ts";
import type { HistogramFactory } from "./cell-recorder.ts";
import type { CellKey, CellResult } from "./cell-result.ts";
import { chatTarget } from "./chat-request.ts";
import { runClosedLoop } from "./closed-loop.ts";
import { runOpenLoop } from "./open-loop.ts";
import { treeCpuMicros } from "./proc-stats.ts";

export interface CellSettings {
  durationMs: number;
  timeoutMs: number;
  maxInFlight: number;
  newHistogram: HistogramFactory;
  upstream: Child;
}

function driverCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export async function runCell(
  key: CellKey,
  round: number,
  contender: Contender,
  settings: CellSettings,
): Promise<CellResult> {
  const target = chatTarget(contender.baseUrl, contender.headers, contender.model, key.scenario);
  const recorder = new CellRecorder(settings.newHistogram);
  const gatewayCpuBefore = treeCpuMicros(contender.process.pid);
  const upstreamCpuBefore = treeCpuMicros(settings.upstream.pid);
  const driverCpuBefore = driverCpuMicros();

  const load = { target, durationMs: settings.durationMs, timeoutMs: settings.timeoutMs };
  let elapsedMs: number;
  let maxSendLagMs: number | undefined;
  if (key.mode === "closed") {
    elapsedMs = await runClosedLoop({ ...load, concurrency: key.level }, recorder);
  } else {
    const open = { ...load, rate: key.level, maxInFlight: settings.maxInFlight };
    ({ elapsedMs, maxSendLagMs } = await runOpenLoop(open, recorder));
  }

  // Every figure divides by successful requests so that failures cannot look cheap.
  const perRequest = (micros: number) => (recorder.ok > 0 ? micros / recorder.ok : 0);
  const result: CellResult = {
    ...key,
    round,
    elapsedMs,
    ok: recorder.ok,
    errors: recorder.errors,
    errorDetails: recorder.errorDetails,
    reqPerSec: (recorder.ok * 1000) / elapsedMs,
    latencyMs: percentilesMs(recorder.latency),
    firstChunkMs: percentilesMs(recorder.firstChunk),
    cpuMicrosPerRequest: perRequest(treeCpuMicros(contender.process.pid) - gatewayCpuBefore),
    upstreamCpuMicrosPerRequest: perRequest(
      treeCpuMicros(settings.upstream.pid) - upstreamCpuBefore,
    ),
    driverCpuMicrosPerRequest: perRequest(driverCpuMicros() - driverCpuBefore),
    maxSendLagMs,
  };
  recorder.destroy();
  return result;
}
