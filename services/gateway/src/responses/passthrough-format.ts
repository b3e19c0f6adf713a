import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { streamCutError } from "../../../../runtime/providers/stream-cut.ts";
import type { RequestRecord } from "../request-record.ts";
import type { StreamFormat } from "../stream-relay.ts";
import { responsesErrorEvent } from "./error-event.ts";
import { replaceModelName } from "./model-name.ts";
import type { ResponsesEvent } from "./read-events.ts";
import { frameNamedEvent } from "./sse-frame.ts";
import { usageFromResponses } from "./usage.ts";

/** Events whose `response` carries the final usage. */
const FINAL_EVENTS = new Set(["response.completed", "response.incomplete"]);

/**
 * Frames a provider's Responses events for the client with each data line as the provider sent
 * it, except the `model` of an event's `response`, which becomes the client's model name.
 * The final event's usage goes to the record, and deltas count as output for time to first
 * token and for the estimate of a stream that breaks.
 */
export function passthroughEventFormat(
  clientModel: string,
  record: RequestRecord,
): StreamFormat<ResponsesEvent> {
  let lastSequence = -1;
  return {
    encode(event) {
      const { type, payload } = event;
      if (typeof payload.sequence_number === "number") lastSequence = payload.sequence_number;

      let data = event.data;
      const response = payload.response;
      if (isRecord(response) && typeof response.model === "string") {
        data = replaceModelName(data, response.model, clientModel);
      }
      const last = FINAL_EVENTS.has(type);
      if (last && isRecord(response)) record.setUsage(usageFromResponses(response.usage));
      countOutput(record, payload);
      return { text: frameNamedEvent(type, data), last };
    },
    // The event source ends only after a final event, which closes the body in `encode`.
    end: () => {
      throw streamCutError();
    },
    error: (failure, requestId) => responsesErrorEvent(failure, requestId, lastSequence + 1),
    heartbeat: ": keep-alive\n\n",
  };
}

function countOutput(record: RequestRecord, payload: Record<string, unknown>): void {
  const delta = payload.delta;
  if (typeof delta !== "string" || delta.length === 0) return;
  record.markFirstToken();
  record.addOutputChars(delta.length);
}
