import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";
import type { RequestRecord } from "../request-record.ts";
import type { StreamFormat } from "../stream-relay.ts";
import type { ResponsesStreamWriter } from "./stream-writer.ts";

/**
 * Frames canonical chunks as Responses events through `writer`. The codec's trailing usage
 * chunk is never sent as such: its usage goes to the record and into `response.completed`.
 */
export function translatedEventFormat(
  writer: ResponsesStreamWriter,
  record: RequestRecord,
): StreamFormat<ChatChunk> {
  return {
    encode(chunk) {
      // Usage reported before a failure; the client gets the error instead.
      if (chunk.usage_partial === true) {
        if (chunk.usage) record.setPartialUsage(chunk.usage);
        return { text: null, last: false };
      }
      if (chunk.choices.length === 0 && "usage" in chunk) {
        record.setUsage(chunk.usage ?? undefined);
        writer.setUsage(chunk.usage ?? undefined);
      }
      countOutput(record, chunk);
      const text = writer.chunk(chunk);
      return { text: text === "" ? null : text, last: false };
    },
    end: () => writer.finish(),
    error: (failure, requestId) => writer.error(failure, requestId),
    heartbeat: ": keep-alive\n\n",
  };
}

function countOutput(record: RequestRecord, chunk: ChatChunk): void {
  const delta = chunk.choices[0]?.delta;
  if (delta === undefined) return;
  let length = (delta.content?.length ?? 0) + (delta.reasoning_content?.length ?? 0) +
    (delta.refusal?.length ?? 0);
  for (const call of delta.tool_calls ?? []) length += call.function?.arguments?.length ?? 0;
  if (length === 0) return;
  record.markFirstToken();
  record.addOutputChars(length);
}
