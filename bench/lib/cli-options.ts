// Command-line options of the benchmark driver.
import { parseArgs } from "node:util";
import { CONTENDER_NAMES } from "../contenders/contender.ts";
import type { ContenderName } from "../contenders/contender.ts";
import { SCENARIOS } from "./chat-request.ts";
import type { Scenario } from "./chat-request.ts";

export interface BenchOptions {
  contenders: ContenderName[];
  scenarios: Scenario[];
  concurrency: number[];
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Fixed open-model arrival rate in req/s; undefined means derived from the closed loop. */
  openRate: number | undefined;
  /** Share of the slowest contender's closed-loop throughput used as the open-model rate. */
  openFraction: number;
  maxInFlight: number;
  timeoutMs: number;
  firstByteMs: number;
  chunkGapMs: number;
  chunks: number;
  outDir: string;
  quick: boolean;
  help: boolean;
}

export class OptionError extends Error {
  readonly code = "invalid_option";
  override name = "OptionError";
}

export const USAGE = `Usage: bun run.ts [options]

  --quick                 short run (~2 min): 1 round of 3 s, 1 s warm-up
  --contenders LIST       comma-separated, from ${CONTENDER_NAMES.join(",")} (default: all)
  --scenarios LIST        json,stream (default: both)
  --concurrency LIST      closed-loop concurrency levels (default: 1,16,64)
  --rounds N              measured rounds per cell (default: 3)
  --duration S            seconds per measured cell (default: 5)
  --warmup S              seconds of unrecorded load per contender and scenario (default: 2)
  --open-rate N           open-model arrival rate in req/s (default: derived, see --open-fraction)
  --open-fraction F       open-model rate as a share of the slowest contender's best
                          closed-loop req/s (default: 0.5)
  --max-in-flight N       open-model bound on concurrent requests (default: 200)
  --timeout-ms MS         per-request timeout (default: 10000)
  --first-byte-ms MS      mock upstream delay before answering (default: 0)
  --chunk-gap-ms MS       mock upstream delay between SSE events (default: 0)
  --chunks N              SSE content chunks per streamed answer (default: 20)
  --out DIR               results folder (default: bench/results)
  --help                  print this text
`;

function list<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new OptionError(`invalid --${flag} value "${item}"; expected one of ${allowed}`);
    }
  }
  if (items.length === 0) throw new OptionError(`--${flag} needs at least one value`);
  return items as T[];
}

function positive(flag: string, raw: string, integer = true): number {
  const value = Number(raw);
  const valid = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!valid) throw new OptionError(`invalid --${flag} value "${raw}"; expected a number > 0`);
  return value;
}

function nonNegative(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new OptionError(`invalid --${flag} value "${raw}"; expected an integer >= 0`);
  }
  return value;
}

function concurrencyLevels(raw: string): number[] {
  return raw.split(",").map((level) => positive("concurrency", level));
}

const FLAGS = {
  quick: { type: "boolean" },
  help: { type: "boolean" },
  contenders: { type: "string" },
  scenarios: { type: "string" },
  concurrency: { type: "string" },
  rounds: { type: "string" },
  duration: { type: "string" },
  warmup: { type: "string" },
  "open-rate": { type: "string" },
  "open-fraction": { type: "string" },
  "max-in-flight": { type: "string" },
  "timeout-ms": { type: "string" },
  "first-byte-ms": { type: "string" },
  "chunk-gap-ms": { type: "string" },
  chunks: { type: "string" },
  out: { type: "string" },
} as const;

/** Parses argv (without the program name); `--quick` only changes defaults. */
export function parseOptions(argv: string[], defaultOutDir: string): BenchOptions {
  let values;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true }).values;
  } catch (error) {
    throw new OptionError((error as Error).message);
  }

  const quick = values.quick === true;
  const openRate = values["open-rate"];
  const openFraction = positive("open-fraction", values["open-fraction"] ?? "0.5", false);
  if (openFraction > 1) throw new OptionError("--open-fraction must be at most 1");

  return {
    contenders: list("contenders", values.contenders ?? CONTENDER_NAMES.join(","), CONTENDER_NAMES),
    scenarios: list("scenarios", values.scenarios ?? SCENARIOS.join(","), SCENARIOS),
    concurrency: concurrencyLevels(values.concurrency ?? "1,16,64"),
    rounds: positive("rounds", values.rounds ?? (quick ? "1" : "3")),
    durationSeconds: positive("duration", values.duration ?? (quick ? "3" : "5"), false),
    warmupSeconds: nonNegative("warmup", values.warmup ?? (quick ? "1" : "2")),
    openRate: openRate === undefined ? undefined : positive("open-rate", openRate),
    openFraction,
    maxInFlight: positive("max-in-flight", values["max-in-flight"] ?? "200"),
    timeoutMs: positive("timeout-ms", values["timeout-ms"] ?? "10000"),
    firstByteMs: nonNegative("first-byte-ms", values["first-byte-ms"] ?? "0"),
    chunkGapMs: nonNegative("chunk-gap-ms", values["chunk-gap-ms"] ?? "0"),
    chunks: positive("chunks", values.chunks ?? "20"),
    outDir: values.out ?? defaultOutDir,
    quick,
    help: values.help === true,
  };
}
