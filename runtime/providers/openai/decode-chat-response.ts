import type { ChatResponse } from "../../canonical/chat.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { DecodeContext } from "../codec.ts";
import { isRecord } from "./is-record.ts";
import { fillToolCallTypes } from "./tool-call-defaults.ts";

/**
 * Decodes a non-streamed `/chat/completions` response. Every field the upstream sent is kept,
 * provider extras such as `reasoning_content`, `x_groq` or `service_tier` included. Only `model`
 * is replaced by the client's model name, and missing tool-call types are filled in.
 */
export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  if (!isRecord(body) || !Array.isArray(body.choices)) {
    throw new NexusError(
      "upstream_invalid_response",
      "The upstream chat response is not a JSON object with a `choices` array.",
      { status: 502, type: "api_error" },
    );
  }

  const choices = body.choices.map(fillChoiceToolCalls) as ChatResponse["choices"];
  return { ...(body as ChatResponse), model: context.clientModel, choices };
}

function fillChoiceToolCalls(choice: unknown): unknown {
  if (!isRecord(choice) || !isRecord(choice.message)) return choice;

  const toolCalls = choice.message.tool_calls;
  const filled = fillToolCallTypes(toolCalls);
  if (filled === toolCalls) return choice;
  return { ...choice, message: { ...choice.message, tool_calls: filled } };
}
