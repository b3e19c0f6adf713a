import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { toOpenAIErrorBody } from "../../../runtime/errors/openai-shape.ts";
import type { RequestRecord } from "./request-record.ts";
import type { StreamFormat } from "./stream-relay.ts";

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
 * Frames canonical chunks as the OpenAI SSE body: `data: <chunk>` per chunk, `data: [DONE]` at
 * the end, and an in-band `data: {"error": …}` on failure, which the OpenAI SDKs raise. The
 * codec's trailing usage chunk is withheld unless the client set
 * `stream_options.include_usage`, but its usage always reaches the record.
 */
export function chatChunkFormat(
  record: RequestRecord,
  includeUsage: boolean,
): StreamFormat<ChatChunk> {
  return {
    encode(chunk) {
      // Usage reported before a failure; the client gets the error instead.
      if (chunk.usage_partial === true) {
        if (chunk.usage) record.setPartialUsage(chunk.usage);
        return { text: null, last: false };
      }
      // The codec's trailing usage chunk; its usage is null when the provider reported none.
      if (chunk.choices.length === 0 && "usage" in chunk) {
        record.setUsage(chunk.usage ?? undefined);
        if (!includeUsage || !chunk.usage) return { text: null, last: false };
      } else if (!includeUsage && "usage" in chunk) {
        delete chunk.usage;
      }
      const length = contentLength(chunk);
      if (length > 0) {
        record.markFirstToken();
        record.addOutputChars(length);
      }
      return { text: `data: ${JSON.stringify(chunk)}\n\n`, last: false };
    },
    end: () => "data: [DONE]\n\n",
    error: (failure, requestId) =>
      `data: ${JSON.stringify(toOpenAIErrorBody(failure, requestId))}\n\n`,
    heartbeat: ": keep-alive\n\n",
  };
}
