import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { toOpenAIErrorBody } from "../../../runtime/errors/openai-shape.ts";
import { toNexusError } from "../../../runtime/errors/nexus-error.ts";
import { ClientDisconnected, type UpstreamAbort } from "./upstream/call.ts";
import type { RequestRecord } from "./request-record.ts";

/** A comment line keeps idle connections (and proxies between) from timing out. */
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

export interface ChunkStreamOptions {
  record: RequestRecord;
  abort: UpstreamAbort;
  /** The client set `stream_options.include_usage`. */
  includeUsage: boolean;
  onClientGone(): void;
}

function hasContent(chunk: ChatChunk): boolean {
  const delta = chunk.choices[0]?.delta;
  if (delta === undefined) return false;
  return Boolean(delta.content || delta.tool_calls || delta.reasoning_content || delta.refusal);
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
  let pending: IteratorResult<ChatChunk> | Promise<IteratorResult<ChatChunk>> | null = first;
  let closed = false;

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
    if (hasContent(chunk)) record.markFirstToken();
    controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
    return true;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Loop until something is enqueued: a pull that enqueues nothing is not always
        // followed by another pull, and the client would wait forever.
        while (true) {
          const next = pending ?? iterator.next();
          pending = null;
          const result = await raceHeartbeat(next);
          if (closed) return;
          if (result === "heartbeat") {
            pending = next;
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            return;
          }
          if (result.done) {
            closed = true;
            controller.enqueue(encoder.encode("data: [DONE]\n\n"));
            controller.close();
            record.finish(200, null);
            return;
          }
          if (emit(controller, result.value)) return;
        }
      } catch (error) {
        if (closed) return;
        closed = true;
        const failure = toNexusError(error instanceof ClientDisconnected ? abort.reason : error);
        record.addDetail("error_message", failure.message);
        record.addDetail("failed_mid_stream", true);
        const errorEvent = JSON.stringify(toOpenAIErrorBody(failure, record.requestId));
        controller.enqueue(encoder.encode(`data: ${errorEvent}\n\n`));
        controller.close();
        record.finish(failure.status, failure.code);
      }
    },

    cancel() {
      if (closed) return;
      closed = true;
      abort.abort(new ClientDisconnected());
      iterator.return?.()?.catch(() => undefined);
      options.onClientGone();
      record.finish(499, "client_disconnected");
    },
  }, { highWaterMark: 0 });
}

async function raceHeartbeat<T>(next: T | Promise<T>): Promise<T | "heartbeat"> {
  if (!(next instanceof Promise)) return next;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const heartbeat = new Promise<"heartbeat">((resolve) => {
    timer = setTimeout(() => resolve("heartbeat"), HEARTBEAT_MS);
  });
  try {
    return await Promise.race([next, heartbeat]);
  } finally {
    clearTimeout(timer);
  }
}
