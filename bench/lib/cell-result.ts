// The measured figures of one cell in one round, as stored in the results JSON.
import type { ContenderName } from "../contenders/contender.ts";
import type { Percentiles } from "./cell-recorder.ts";
import type { RequestErrorCode, Scenario } from "./chat-request.ts";

export type LoadMode = "closed" | "open";

export interface CellKey {
  mode: LoadMode;
  scenario: Scenario;
  /** Closed loop: the number of workers. Open model: the arrival rate in req/s. */
  level: number;
  contender: ContenderName;
}

export interface CellResult extends CellKey {
  round: number;
  elapsedMs: number;
  ok: number;
  errors: Partial<Record<RequestErrorCode, number>>;
  errorDetails: Partial<Record<RequestErrorCode, string>>;
  /** Successful requests per second of elapsed time. */
  reqPerSec: number;
  latencyMs: Percentiles | undefined;
  /** Time to the first SSE data line; streams only. */
  firstChunkMs: Percentiles | undefined;
  /** CPU time of the contender's process tree per successful request, in µs. */
  cpuMicrosPerRequest: number;
  /** CPU time of the mock upstream per successful request, in µs. */
  upstreamCpuMicrosPerRequest: number;
  /** CPU time of the load driver itself per successful request, in µs. */
  driverCpuMicrosPerRequest: number;
  /** Open model only: largest lag between intended and actual send, in ms. */
  maxSendLagMs?: number;
}

export function cellLabel(key: CellKey): string {
  const level = key.mode === "closed" ? `c=${key.level}` : `${key.level} req/s`;
  return `${key.mode} ${key.scenario} ${level} ${key.contender}`;
}
