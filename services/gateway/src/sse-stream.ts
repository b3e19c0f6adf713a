import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { NexusError, toNexusError } from "../../../runtime/errors/nexus-error.ts";
import { toOpenAIErrorBody } from "../../../runtime/errors/openai-shape.ts";
import type { RequestRecord } from "./request-record.ts";
import { ClientDisconnected, type UpstreamAbort } from "./upstream/call.ts";

/** A comment line keeps idle connections (and proxies between) from timing out. */
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

export interface ChunkStreamOptions {
  record: RequestRecord;
  abort: UpstreamAbort;
  /** The client set `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Longest wait for the provider's next chunk before the stream counts as stalled. */
  idleTimeoutMs: number;
  provider: string;
  onClientGone(): void;
}

/** Length of the text a chunk carries, for usage estimates and time to first token. */
function contentLength(chunk: ChatChunk): number {
  const delta = chunk.choices[0]?.delta;
  if (delta === undefined) return 0;
  let length = (delta.content?.length ?? 0) + (delta.reasoning_content?.length ?? 0) +
    (delta.refusal?.length ?? 0);
  for (const call of delta.tool_calls ?? []) {
    length += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
  }
  return length;
}

/**
 * Turns canonical chunks into the OpenAI SSE body. The body ends with `data: [DONE]` only when
 * the upstream finished; a failure after the first byte ends it with an in-band
 * `data: {"error": …}` event, which the OpenAI SDKs raise as an error. Cancelling the body
 * (client gone) aborts the upstream request.
 */
export function chunkStream(
  first: IteratorResult<ChatChunk>,
  iterator: AsyncIterator<ChatChunk>,
  options: ChunkStreamOptions,
): ReadableStream<Uint8Array> {
  const { record, abort, includeUsage } = options;
  let pending: IteratorResult<ChatChunk> | null = first;
  let lastChunkAt = performance.now();
  let lastWriteAt = lastChunkAt;
  let waitingFor: ReadableStreamDefaultController<Uint8Array> | null = null;
  let closed = false;
  let watchdog: ReturnType<typeof setInterval> | null = null;

  /** Sends one chunk; returns false when the chunk is withheld from the client. */
  const emit = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    chunk: ChatChunk,
  ): boolean => {
    // The codec's trailing usage chunk; its usage is null when the provider reported none.
    if (chunk.choices.length === 0 && "usage" in chunk) {
      record.setUsage(chunk.usage ?? undefined);
      if (!includeUsage || !chunk.usage) return false;
    } else if (!includeUsage && "usage" in chunk) {
      delete chunk.usage;
    }
    const length = contentLength(chunk);
    if (length > 0) {
      record.markFirstToken();
      record.addOutputChars(length);
    }
    controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
    return true;
  };

  const stalled = (): NexusError => new NexusError(
    "upstream_timeout",
    `Provider '${options.provider}' sent nothing for ${options.idleTimeoutMs} ms mid-stream.`,
    { status: 504, type: "timeout_error" },
  );

  /**
   * One timer per stream (not per chunk, which cost ~7% of streaming CPU): while a pull waits
   * for the provider it sends heartbeats, and it aborts the upstream once the provider has been
   * silent for the idle timeout, which makes the waiting pull fail with that reason.
   */
  const watch = (): void => {
    const now = performance.now();
    if (waitingFor === null) return;
    if (now - lastChunkAt >= options.idleTimeoutMs) {
      abort.abort(stalled());
    } else if (now - lastWriteAt >= HEARTBEAT_MS) {
      lastWriteAt = now;
      waitingFor.enqueue(encoder.encode(": keep-alive\n\n"));
    }
  };
  const stopWatching = (): void => {
    if (watchdog !== null) clearInterval(watchdog);
    watchdog = null;
  };

  return new ReadableStream<Uint8Array>({
    start() {
      const period = Math.max(10, Math.min(HEARTBEAT_MS, options.idleTimeoutMs) / 4);
      watchdog = setInterval(watch, period);
    },

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
          lastChunkAt = performance.now();
          if (result.done) {
            closed = true;
            stopWatching();
            controller.enqueue(encoder.encode("data: [DONE]\n\n"));
            controller.close();
            record.finish(200, null);
            return;
          }
          if (emit(controller, result.value)) {
            lastWriteAt = lastChunkAt;
            return;
          }
        }
      } catch (error) {
        if (closed) return;
        closed = true;
        stopWatching();
        abort.abort(error);
        iterator.return?.()?.catch(() => undefined);
        // An abort (stall, client gone) surfaces here as the fetch's AbortError; its reason
        // says what happened.
        const thrown = abort.reason ?? error;
        const failure = record.publicError(toNexusError(thrown));
        record.addDetail("error_message", failure.message);
        record.addDetail("failed_mid_stream", true);
        const errorEvent = JSON.stringify(toOpenAIErrorBody(failure, record.requestId));
        controller.enqueue(encoder.encode(`data: ${errorEvent}\n\n`));
        controller.close();
        record.finish(failure.status, failure.code);
      }
    },

    cancel() {
      stopWatching();
      if (closed) return;
      closed = true;
      abort.abort(new ClientDisconnected());
      iterator.return?.()?.catch(() => undefined);
      options.onClientGone();
      record.finish(499, "client_disconnected");
    },
  }, { highWaterMark: 0 });
}
