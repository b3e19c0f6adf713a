import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";

/** Builds the 400 for a Responses parameter the translating path cannot honour. */
export function unsupportedParameter(param: string, reason: string): NexusError {
  const message = `Unsupported parameter '${truncateInput(param)}': ${reason}`;
  return new NexusError("unsupported_parameter", message, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

/** Builds the 400 for a Responses parameter whose value is malformed. */
export function invalidParameter(param: string, reason: string): NexusError {
  const message = `Invalid value for '${truncateInput(param)}': ${reason}`;
  return new NexusError("invalid_request", message, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}
