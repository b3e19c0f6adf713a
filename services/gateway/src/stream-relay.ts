import { NexusError, toNexusError } from "../../../runtime/errors/nexus-error.ts";
import type { RequestRecord } from "./request-record.ts";
import { ClientDisconnected, type UpstreamAbort } from "./upstream/call.ts";

/** A heartbeat keeps idle connections (and proxies between) from timing out. */
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

/** The stream framing of one inbound API. */
export interface StreamFormat<T> {
  /** Frames one item; null withholds it. `last` closes the body right after it. */
  encode(item: T): { text: string | null; last: boolean };
  /** Frames the end of a stream whose source finished; throws when that end is a failure. */
  end(): string;
  /** Frames a failure sent in-band after the first byte. */
  error(failure: NexusError, requestId: string): string;
  heartbeat: string;
}

export interface RelayOptions {
  record: RequestRecord;
  abort: UpstreamAbort;
  /** Maximum wait for the provider's next item, in ms, before the stream counts as stalled. */
  idleTimeoutMs: number;
  provider: string;
  /** Runs once the body ended normally, before the event is recorded. */
  onComplete?(): void;
  onClientGone(): void;
  /** Records a failure sent in-band (event, metric, log). */
  onFailure(failure: NexusError): void;
  /** Registers a function that ends the stream with an in-band error; returns its removal. */
  trackStream(end: (reason: NexusError) => void): () => void;
}

/**
 * Relays decoded items to the client as a stream. A failure after the first byte ends it with
 * the format's in-band error, never with a fake end. Cancelling the body (client gone) aborts
 * the upstream request. One timer per stream (not per item, which cost ~7% of streaming CPU)
 * sends heartbeats while a pull waits, and aborts a provider silent for the idle timeout,
 * which makes the waiting pull fail with that reason.
 */
export function relayStream<T>(
  first: IteratorResult<T>,
  iterator: AsyncIterator<T>,
  format: StreamFormat<T>,
  options: RelayOptions,
): ReadableStream<Uint8Array> {
  const { record, abort } = options;
  // Every byte for the client passes here, so body capture stores the stream as it was sent.
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string): void => {
    const bytes = encoder.encode(text);
    record.capture?.streamed(bytes);
    controller.enqueue(bytes);
  };
  let pending: IteratorResult<T> | null = first;
  let lastItemAt = performance.now();
  let lastWriteAt = lastItemAt;
  let waitingFor: ReadableStreamDefaultController<Uint8Array> | null = null;
  let closed = false;

  const stalled = (): NexusError => new NexusError(
    "upstream_timeout",
    `Provider '${options.provider}' sent nothing for ${options.idleTimeoutMs} ms mid-stream.`,
    { status: 504, type: "timeout_error" },
  );
  const watch = (): void => {
    const now = performance.now();
    if (waitingFor === null) return;
    if (now - lastItemAt >= options.idleTimeoutMs) {
      abort.abort(stalled());
    } else if (now - lastWriteAt >= HEARTBEAT_MS) {
      lastWriteAt = now;
      send(waitingFor, format.heartbeat);
    }
  };
  const period = Math.max(10, Math.min(HEARTBEAT_MS, options.idleTimeoutMs) / 4);
  const watchdog = setInterval(watch, period);
  const untrack = options.trackStream((reason) => abort.abort(reason));
  const stop = (): void => {
    closed = true;
    clearInterval(watchdog);
    untrack();
    iterator.return?.()?.catch(() => undefined);
  };

  const close = async (controller: ReadableStreamDefaultController<Uint8Array>,
    text: string): Promise<void> => {
    stop();
    // Captured before the event is written, so the capture holds the stream's last bytes.
    const bytes = encoder.encode(text);
    record.capture?.streamed(bytes);
    options.onComplete?.();
    record.finish(200, null);
    // In production the bus acknowledges the event before the client sees the stream end, so
    // a gateway killed after a complete answer cannot lose its event (no wait when embedded).
    await record.settled();
    controller.enqueue(bytes);
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Loop until something is enqueued: a pull that enqueues nothing is not always
        // followed by another pull, and the client would wait forever.
        while (true) {
          let result = pending;
          pending = null;
          if (result === null) {
            waitingFor = controller;
            try {
              result = await iterator.next();
            } finally {
              waitingFor = null;
            }
          }
          if (closed) return;
          lastItemAt = performance.now();
          if (result.done) return close(controller, format.end());

          const { text, last } = format.encode(result.value);
          if (last) return close(controller, text ?? "");
          if (text !== null) {
            lastWriteAt = lastItemAt;
            send(controller, text);
            return;
          }
        }
      } catch (error) {
        if (closed) return;
        abort.abort(error);
        stop();
        // An abort (stall, shutdown, client gone) surfaces here as the fetch's abort error;
        // its reason names the cause.
        const cause = abort.reason ?? error;
        if (cause instanceof ClientDisconnected) {
          controller.close();
          options.onClientGone();
          record.finish(499, "client_disconnected");
          return;
        }
        const failure = record.publicError(toNexusError(cause));
        record.addDetail("failed_mid_stream", true);
        send(controller, format.error(failure, record.requestId));
        controller.close();
        options.onFailure(failure);
      }
    },

    cancel() {
      if (closed) return;
      abort.abort(new ClientDisconnected());
      stop();
      options.onClientGone();
      record.finish(499, "client_disconnected");
    },
  }, { highWaterMark: 0 });
}
