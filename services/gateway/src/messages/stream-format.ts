import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";
import { toAnthropicErrorBody } from "../../../../runtime/errors/anthropic-shape.ts";
import type { StreamFormat } from "../stream-relay.ts";
import { MessageStreamEncoder, type StreamAccounting } from "./stream-encoder.ts";
import { frameEvent, PING_EVENT } from "./sse-event.ts";

/**
 * Frames a translated stream for an Anthropic client. A failure after the first byte ends the
 * body with an `error` event, which the Anthropic SDK raises, and never with `message_stop`.
 */
export function translatedEventFormat(
  clientModel: string,
  accounting: StreamAccounting,
): StreamFormat<ChatChunk> {
  const encoder = new MessageStreamEncoder(clientModel, accounting);
  return {
    encode(chunk) {
      const text = encoder.encode(chunk);
      return { text: text === "" ? null : text, last: false };
    },
    end: () => encoder.end(),
    error: (failure, requestId) => frameEvent("error", toAnthropicErrorBody(failure, requestId)),
    heartbeat: PING_EVENT,
  };
}
