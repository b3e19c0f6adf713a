import { NexusError } from "../../errors/nexus-error.ts";
import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";

export { invalidRequest };

/** Builds the 400 raised for a parameter that Voyage cannot honour. */
export const unsupportedParameter = unsupportedParameterFor("Voyage");

/** Builds the 400 raised for a chat request routed to Voyage, which serves embeddings only. */
export function embeddingsOnly(): NexusError {
  return new NexusError(
    "unsupported_parameter",
    "The Voyage provider serves embeddings only; send this request to /v1/embeddings, " +
      "or route chat models to a chat provider.",
    { status: 400, type: "invalid_request_error", param: "model" },
  );
}
