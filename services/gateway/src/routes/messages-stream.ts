import { toAnthropicErrorBody } from "../../../../runtime/errors/anthropic-shape.ts";
import { streamCutError } from "../../../../runtime/providers/stream-cut.ts";
import { frameEvent as frame, PING_EVENT as PING } from "../messages/sse-event.ts";
import type { StreamFormat } from "../stream-relay.ts";
import type { MessagesEvent } from "./messages-events.ts";
import type { StreamUsage } from "./messages-usage.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Frames the provider's Messages events for the client, re-serialised one by one with the
 * client's model name in `message_start`. The body ends with `message_stop` only when the
 * provider sent one; a failure after the first byte ends it with an Anthropic `error` event,
 * which the Anthropic SDK raises.
 */
export function messagesEventFormat(
  clientModel: string,
  usage: StreamUsage,
): StreamFormat<MessagesEvent> {
  return {
    encode(event) {
      if (event.type === "message_start" && isRecord(event.payload.message)) {
        event.payload.message.model = clientModel;
      }
      usage.observe(event);
      return { text: frame(event.type, event.payload), last: event.type === "message_stop" };
    },
    // The event source ends only after message_stop, which closes the body in `encode`.
    end: () => {
      throw streamCutError();
    },
    error: (failure, requestId) => frame("error", toAnthropicErrorBody(failure, requestId)),
    heartbeat: PING,
  };
}
