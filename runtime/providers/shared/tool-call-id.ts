import type { ChatMessage } from "../../canonical/chat.ts";
import { invalidRequest } from "../request-errors.ts";

/** Returns the `tool_call_id` of a tool message, or throws a 400 when it is missing or empty. */
export function toolCallId(message: ChatMessage, param: string): string {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") {
    throw invalidRequest(`${param}.tool_call_id is missing.`, `${param}.tool_call_id`);
  }
  return message.tool_call_id;
}
