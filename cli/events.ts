import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { captureSettings } from "../runtime/audit/capture-config.ts";
import { type LoadedBody, loadCapturedBodies } from "../runtime/audit/capture-read.ts";
import type { CapturedBodies } from "../runtime/audit/capture-record.ts";
import { SqliteCaptureStore } from "../runtime/audit/capture-sqlite-store.ts";
import { type CaptureStore, captureStoreOf } from "../runtime/audit/capture-store.ts";
import { SpillStore } from "../runtime/audit/spill-store.ts";
import type { TrafficEvent } from "../runtime/audit/traffic-event.ts";
import type { LoadedConfig } from "../runtime/config/load.ts";
import { decodeForDisplay } from "./decode-captured-body.ts";
import { type CliStore, openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/**
 * `nexus events list|show|prune`: reads the traffic events the gateway wrote, and deletes
 * captured bodies past their retention.
 */
export async function runEvents(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: attachDashValues(argv, ["--older-than", "--limit"]),
    allowPositionals: true,
    options: {
      config: { type: "string" },
      limit: { type: "string", default: "20" },
      key: { type: "string" },
      org: { type: "string" },
      json: { type: "boolean", default: false },
      "no-bodies": { type: "boolean", default: false },
      "older-than": { type: "string" },
    },
  });
  const [action, requestId] = positionals;
  endQuietlyOnBrokenPipe();
  const cli = await openCliStore(values.config);
  const { loaded } = cli;
  const store = cli.events;

  try {
    switch (action) {
      case "list": {
        const limit = Number(values.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new UsageError(`invalid --limit "${values.limit}": use a positive integer`);
        }
        const events = await store.list({ limit, keyId: values.key, org: values.org });
        if (values.json) process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        else for (const event of events) process.stdout.write(`${formatEvent(event)}\n`);
        return 0;
      }
      case "show": {
        if (requestId === undefined) throw new UsageError("events show needs a request id");
        const event = await store.get(requestId) ??
          (await store.list({ limit: 1, clientRequestId: requestId }))[0];
        if (event === undefined) throw new UsageError(`no event with request id ${requestId}`);
        process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
        if (values["no-bodies"] || event.capture === undefined) return 0;
        // A body that fails its size or SHA-256 check is printed, flagged, and exits 1.
        return (await printBodies(captureStoreFor(cli), event.requestId, event.capture)) ? 0 : 1;
      }
      case "prune":
        await pruneBodies(loaded, captureStoreFor(cli), values["older-than"]);
        return 0;
      default:
        throw new UsageError("events needs an action: list, show or prune");
    }
  } finally {
    await cli.close();
  }
}

/**
 * Treats a closed stdout (`nexus events show ID | head`) as the normal end of the output: exits
 * with status 0 and no message. A write to the closed pipe fails with EPIPE, which the stream
 * emits as an `error` event, and which kills the process with a stack trace unless handled.
 * Other stream errors are thrown as before.
 */
function endQuietlyOnBrokenPipe(): void {
  if (process.stdout.listenerCount("error") > 0) return;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

function formatEvent(event: TrafficEvent): string {
  const tokens = event.inputTokens === null ? "-" : `${event.inputTokens}/${event.outputTokens}`;
  const cost = event.costUsd === null ? "-" : `$${event.costUsd.toFixed(6)}`;
  return [
    new Date(event.time).toISOString(),
    event.requestId,
    event.route,
    event.model ?? "-",
    event.provider ?? "-",
    String(event.status),
    event.errorCode ?? "ok",
    `${event.latencyMs.toFixed(1)}ms`,
    `tokens=${tokens}`,
    cost,
  ].join("  ");
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Returns where the config's store keeps captured bodies: PostgreSQL itself in production, and
 * on the embedded store the SQLite rows plus the spill folder of the config's data dir.
 */
function captureStoreFor(cli: CliStore): CaptureStore {
  const inStore = captureStoreOf(cli.events);
  if (inStore !== null) return inStore;
  if (cli.db === null) throw new Error("the configured event store stores no captured bodies");
  const { loaded } = cli;
  const settings = captureSettings(loaded.config.capture, loaded.dataDir, dirname(loaded.path));
  return new SqliteCaptureStore(cli.db, new SpillStore(settings.spillDir));
}

/**
 * Rewrites `--flag -5d` as `--flag=-5d` for the named flags, when the value is a negative
 * number. `parseArgs` rejects a value that
 * starts with a dash as ambiguous, with a message that names no flag value, so the value is
 * passed on and rejected by the flag's own check with a message that names it.
 */
function attachDashValues(argv: string[], flags: string[]): string[] {
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (flags.includes(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      result.push(`${arg}=${next}`);
      i++;
    } else {
      result.push(arg);
    }
  }
  return result;
}

/** Parses an age such as `30d`, `12h`, `15m` or `45s` into milliseconds. */
function parseAge(value: string): number {
  if (/^-[\d.]/.test(value)) {
    throw new UsageError(`invalid --older-than "${value}": the age must not be negative. `
      + "Use a number and a unit, e.g. 30d");
  }
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value);
  if (match === null) {
    throw new UsageError(`invalid --older-than "${value}": use a number and a unit, e.g. 30d`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * `events prune`: deletes captured bodies and spills of events older than `--older-than`
 * (default: the config's `capture.retentionDays`). The events stay.
 */
async function pruneBodies(loaded: LoadedConfig, captures: CaptureStore,
  olderThan: string | undefined): Promise<void> {
  const settings = captureSettings(loaded.config.capture, loaded.dataDir, dirname(loaded.path));
  const ageMs = olderThan === undefined ? settings.retentionDays * UNIT_MS.d : parseAge(olderThan);
  const result = await captures.prune(Date.now() - ageMs);
  process.stdout.write(
    `pruned bodies of ${result.events} event(s), deleted ${result.files} spill file(s)\n`,
  );
}

/**
 * Prints an event's captured bodies after its JSON, each under a header line with its size,
 * type and SHA-256. The bytes are written as stored: the request JSON, and the answer's JSON or
 * the SSE stream as sent to the client. A request that raw capture stored compressed is printed
 * decoded, and the header line names its coding. Returns false when a body failed its size or
 * hash check, which applies to the stored bytes.
 */
async function printBodies(
  captures: CaptureStore,
  requestId: string,
  capture: CapturedBodies,
): Promise<boolean> {
  const bodies = await loadCapturedBodies(captures, requestId, capture);
  let intact = true;
  const parts = [["request", bodies.request], ["response", bodies.response]] as const;
  for (const [part, body] of parts) {
    if (body === null) continue;
    const display = await decodeForDisplay(body);
    process.stdout.write(`--- ${part} body: ${describe(body, capture.mode, display.facts)} ---\n`);
    if (display.bytes !== null) {
      process.stdout.write(display.bytes);
      if (display.bytes.at(-1) !== 0x0a) process.stdout.write("\n");
    }
    if (body.problem !== null && capture.prunedAt === null) intact = false;
  }
  return intact;
}

function describe(body: LoadedBody, mode: CapturedBodies["mode"], encoding: string[]): string {
  const facts = [
    `${body.meta.size} bytes`,
    body.meta.contentType,
    mode,
    ...encoding,
    `sha256 ${body.meta.sha256}`,
  ];
  if (!body.meta.complete) facts.push("partial: the stream ended early");
  if (body.problem !== null) facts.push(body.problem);
  return facts.join(", ");
}
