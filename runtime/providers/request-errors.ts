import { NexusError } from "../errors/nexus-error.ts";
import { truncateInput } from "../errors/truncate-input.ts";

/** Builds the 400 raised when a client request is malformed for a provider. */
export function invalidRequest(message: string, param: string | null): NexusError {
  return new NexusError("invalid_request", message, {
    status: 400,
    type: "invalid_request_error",
    param,
  });
}

/** Returns the builder of the 400 raised for a parameter that `provider` cannot honour. */
export function unsupportedParameterFor(
  provider: string,
): (param: string, reason: string) => NexusError {
  return (param, reason) =>
    new NexusError(
      "unsupported_parameter",
      `Parameter '${truncateInput(param)}' is not supported for ${provider} models: ${reason}`,
      { status: 400, type: "invalid_request_error", param },
    );
}
