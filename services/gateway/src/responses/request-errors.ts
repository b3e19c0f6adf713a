import { NexusError } from "../../../../runtime/errors/nexus-error.ts";

/** Builds the 400 for a Responses parameter the translating path cannot honour. */
export function unsupportedParameter(param: string, reason: string): NexusError {
  return new NexusError("unsupported_parameter", `Unsupported parameter '${param}': ${reason}`, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

/** Builds the 400 for a Responses parameter whose value is malformed. */
export function invalidParameter(param: string, reason: string): NexusError {
  return new NexusError("invalid_request", `Invalid value for '${param}': ${reason}`, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}
