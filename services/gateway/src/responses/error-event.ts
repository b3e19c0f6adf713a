import type { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { toOpenAIErrorBody } from "../../../../runtime/errors/openai-shape.ts";
import { frameNamedEvent } from "./sse-frame.ts";

/**
 * Frames a failure after the first byte as a Responses `error` event. It carries the spec's
 * top-level `code`, `message` and `param`, and the OpenAI error object under `error`, which
 * the OpenAI SDKs raise as an APIError of the right type.
 */
export function responsesErrorEvent(
  failure: NexusError,
  requestId: string,
  sequenceNumber: number,
): string {
  const { error } = toOpenAIErrorBody(failure, requestId);
  const data = {
    type: "error",
    code: error.code,
    message: error.message,
    param: error.param,
    sequence_number: sequenceNumber,
    error,
  };
  return frameNamedEvent("error", JSON.stringify(data));
}
