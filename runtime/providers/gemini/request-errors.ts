import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 400 raised when a client request is malformed for this provider. */
export function invalidRequest(message: string, param: string | null): NexusError {
  return new NexusError("invalid_request", message, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

/** Builds the 400 raised for a parameter that Gemini cannot honour. */
export function unsupportedParameter(param: string, reason: string): NexusError {
  return new NexusError(
    "unsupported_parameter",
    `Parameter '${param}' is not supported for Gemini models: ${reason}`,
    { status: 400, type: "invalid_request_error", param },
  );
}
