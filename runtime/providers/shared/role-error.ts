import type { ChatMessage } from "../../canonical/chat.ts";
import type { NexusError } from "../../errors/nexus-error.ts";
import { invalidRequest } from "../request-errors.ts";

/**
 * Builds the 400 for a message role that the codecs reject. The legacy `function` role has no
 * tool call id to match its call, and any other such role is not valid at all.
 * `unsupportedParameter` is the provider's builder, which names the provider.
 */
export function roleError(
  role: ChatMessage["role"],
  param: string,
  unsupportedParameter: (param: string, reason: string) => NexusError,
): NexusError {
  if (role === "function") {
    return unsupportedParameter(
      `${param}.role`,
      "the legacy 'function' role has no tool call id; send 'tool' messages instead.",
    );
  }
  return invalidRequest(`${param}.role '${String(role)}' is not valid.`, param);
}
