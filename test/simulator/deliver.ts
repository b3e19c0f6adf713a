/**
 * Puts a payload on the wire with a behaviour's faults applied: latency before the headers,
 * gzip, event and byte cuts, split writes, delays between writes and stalls.
 *
 * How Bun.serve 1.4.5 ends a streamed body, measured with a raw socket and with fetch:
 * `controller.close()` sends the terminating zero-length chunk. `controller.error(undefined)`
 * closes the socket without it, so a fetch body reader fails with ECONNRESET after reading
 * every byte already sent. Bun prints an error that has a value to stderr, so the cut passes
 * `undefined`. When the client goes away, Bun cancels the body stream.
 */

import type { Behaviour } from "./behaviour.ts";
import { gzipParts } from "./gzip-parts.ts";
import type { Payload } from "./payload.ts";

/** Tracks one request's connection, so that a client leaving early is counted once. */
export class ConnectionTracker {
  #done = false;

  constructor(
    readonly signal: AbortSignal,
    private readonly onDisconnect: () => void,
  ) {
    if (signal.aborted) this.clientGone();
    else signal.addEventListener("abort", () => this.clientGone(), { once: true });
  }

  /** Marks the response as written or deliberately cut, so a later abort is not counted. */
  finish(): void {
    this.#done = true;
  }

  clientGone(): void {
    if (this.#done) return;
    this.#done = true;
    this.onDisconnect();
  }
}

type Ending = "end" | "cut" | "hang";

/** Bounds of the wait before a reset; see `settleBeforeReset`. */
const RESET_GRACE_MS = 20;
const RESET_GRACE_MAX_MS = 250;

interface WritePlan {
  writes: Uint8Array[];
  ending: Ending;
}

export async function deliver(
  payload: Payload,
  faults: Behaviour,
  tracker: ConnectionTracker,
): Promise<Response> {
  if (faults.latencyMs !== undefined) await sleepUnlessAborted(faults.latencyMs, tracker.signal);
  // The client left while it waited for headers; Bun discards whatever is returned now.
  if (tracker.signal.aborted) return new Response(null, { status: 499 });

  const headers = new Headers(payload.headers);
  for (const [name, value] of Object.entries(faults.headers ?? {})) headers.set(name, value);
  const gzip = faults.gzip === true || payload.gzip === true;
  if (gzip) {
    headers.set("content-encoding", "gzip");
    headers.delete("content-length");
  }

  const plan = await planWrites(payload.parts, faults, gzip);
  const init = { status: payload.status, headers };
  const paced = faults.splitWrites !== undefined || faults.interChunkDelayMs !== undefined;
  if (!payload.streaming && plan.ending === "end" && !paced) {
    tracker.finish();
    return new Response(Buffer.concat(plan.writes), init);
  }

  // Only paced writes wait on a timer. An unpaced stream is written as fast as it is read.
  const delayMs = paced ? (faults.interChunkDelayMs ?? 0) : undefined;
  return new Response(writeStream(plan, delayMs, tracker), init);
}

/** Compresses, then applies event-level faults, then byte-level faults to the wire bytes. */
async function planWrites(
  parts: Uint8Array[],
  faults: Behaviour,
  gzip: boolean,
): Promise<WritePlan> {
  // Compressing the whole body first means a cut stream is also an unfinished gzip stream.
  let writes = gzip ? await gzipParts(parts) : parts;
  let ending: Ending = "end";

  if (faults.hangAfterEvents !== undefined) {
    writes = writes.slice(0, faults.hangAfterEvents);
    ending = "hang";
  } else if (faults.cutAfterEvents !== undefined) {
    writes = writes.slice(0, faults.cutAfterEvents);
    ending = "cut";
  }
  if (faults.cutAfterBytes !== undefined) {
    writes = truncate(writes, faults.cutAfterBytes);
    ending = "cut";
  }
  if (faults.splitWrites !== undefined) writes = rechunk(writes, faults.splitWrites);
  return { writes, ending };
}

/** With `delayMs` set, even to 0, a timer between writes makes Bun send each one apart. */
function writeStream(
  plan: WritePlan,
  delayMs: number | undefined,
  tracker: ConnectionTracker,
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > 0 && delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      if (tracker.signal.aborted) return;

      const next = plan.writes[index];
      if (next !== undefined) {
        index += 1;
        controller.enqueue(next);
        return;
      }
      if (plan.ending === "hang") {
        await new Promise((resolve) => tracker.signal.addEventListener("abort", resolve));
        return;
      }
      tracker.finish();
      if (plan.ending === "end") {
        controller.close();
        return;
      }
      await settleBeforeReset();
      controller.error(undefined);
    },
    cancel() {
      tracker.clientGone();
    },
  });
}

/** Keeps the first `limit` bytes, preserving the boundaries between writes. */
function truncate(writes: Uint8Array[], limit: number): Uint8Array[] {
  const kept: Uint8Array[] = [];
  let budget = limit;
  for (const write of writes) {
    if (budget <= 0) break;
    kept.push(write.subarray(0, budget));
    budget -= write.length;
  }
  return kept;
}

function rechunk(writes: Uint8Array[], size: number): Uint8Array[] {
  const bytes = Buffer.concat(writes);
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) {
    pieces.push(bytes.subarray(start, start + size));
  }
  return pieces;
}

/**
 * Waits before a cut, and longer while the event loop lags, because the reset is abortive.
 * Bun closes an errored stream's socket with a TCP RST, measured with a paused node:net
 * client, and Linux discards received data that the client has not read yet. So a cut
 * that comes too soon can erase the events it was meant to follow.
 * NOTE: a heuristic. A client starved of CPU for longer than the wait still loses the tail.
 */
async function settleBeforeReset(): Promise<void> {
  const deadline = performance.now() + RESET_GRACE_MAX_MS;
  while (true) {
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, RESET_GRACE_MS));
    const lag = performance.now() - started - RESET_GRACE_MS;
    if (lag < RESET_GRACE_MS || performance.now() >= deadline) return;
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
