import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 400 raised when a client request is malformed for Voyage. */
export function invalidRequest(message: string, param: string | null): NexusError {
  return new NexusError("invalid_request", message, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

/** Builds the 400 raised for a parameter that Voyage cannot honour. */
export function unsupportedParameter(param: string, reason: string): NexusError {
  return new NexusError(
    "unsupported_parameter",
    `Parameter '${param}' is not supported for Voyage models: ${reason}`,
    { status: 400, type: "invalid_request_error", param },
  );
}

/** Builds the 400 raised for a chat request routed to Voyage, which serves embeddings only. */
export function embeddingsOnly(): NexusError {
  return new NexusError(
    "unsupported_parameter",
    "The Voyage provider serves embeddings only; send this request to /v1/embeddings, " +
      "or route chat models to a chat provider.",
    { status: 400, type: "invalid_request_error", param: "model" },
  );
}
