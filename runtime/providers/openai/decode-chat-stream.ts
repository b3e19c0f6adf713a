import type { ChatChunk } from "../../canonical/chat.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { DecodeContext } from "../codec.ts";
import { parseSse } from "../sse.ts";
import { isBrokenRead, streamCutError } from "../stream-cut.ts";
import { isRecord } from "./is-record.ts";
import { decodeStreamError } from "./stream-error.ts";
import { StreamUsageCollector } from "./stream-usage.ts";
import { fillToolCallDeltas } from "./tool-call-defaults.ts";

/**
 * Decodes a streamed `/chat/completions` response: one canonical chunk per SSE `data:` payload up
 * to `[DONE]`, with `model` rewritten, ending with exactly one `choices: []` usage chunk.
 * Throws the mapped NexusError for an in-stream `{"error": ...}` payload,
 * `upstream_invalid_response` for a payload that is not a chunk, and `upstream_stream_cut`
 * (after yielding every whole chunk) when the stream ends or breaks before `[DONE]`.
 */
export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const usage = new StreamUsageCollector(context.clientModel);
  let done = false;

  try {
    for await (const event of parseSse(body)) {
      if (event.data === "[DONE]") {
        done = true;
        break;
      }
      const chunk = decodeChunk(event.event, event.data, context.clientModel);
      const output = usage.take(chunk);
      if (output !== null) yield output;
    }
  } catch (error) {
    throw toStreamReadError(error);
  }

  if (!done) {
    const held = usage.heldUsageChunk();
    if (held !== null) yield held;
    throw streamCut(null);
  }
  yield usage.finalChunk();
}

function decodeChunk(eventName: string, data: string, clientModel: string): ChatChunk {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch (error) {
    throw invalidChunk("is not JSON", error);
  }

  if (isRecord(payload) && (payload.error !== undefined || eventName === "error")) {
    throw decodeStreamError(payload);
  }
  if (!isRecord(payload) || !Array.isArray(payload.choices)) {
    throw invalidChunk("is not a chunk object with a `choices` array", null);
  }

  const choices = payload.choices.map(fillChoiceToolCalls);
  return { ...(payload as ChatChunk), model: clientModel, choices } as ChatChunk;
}

function fillChoiceToolCalls(choice: unknown): unknown {
  if (!isRecord(choice) || !isRecord(choice.delta)) return choice;

  const toolCalls = choice.delta.tool_calls;
  const filled = fillToolCallDeltas(toolCalls);
  if (filled === toolCalls) return choice;
  return { ...choice, delta: { ...choice.delta, tool_calls: filled } };
}

function invalidChunk(reason: string, cause: unknown): NexusError {
  return new NexusError(
    "upstream_invalid_response",
    `An upstream stream event ${reason}.`,
    { status: 502, type: "api_error", cause },
  );
}

function toStreamReadError(error: unknown): unknown {
  return isBrokenRead(error) ? streamCut(error) : error;
}

function streamCut(cause: unknown): NexusError {
  return streamCutError(cause);
}
