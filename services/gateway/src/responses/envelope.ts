import type { FinishReason, Usage } from "../../../../runtime/canonical/chat.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import type { ResponsesBody } from "../routes/responses-body.ts";
import { usageToResponses } from "./usage.ts";

/** The fields of a translated `response` object that come from the request, not the model output. */
export interface ResponseEnvelope {
  id: string;
  createdAt: number;
  body: ResponsesBody;
}

type Status = "in_progress" | "completed" | "incomplete";

/**
 * Builds a `response` object. Request settings are echoed the way OpenAI echoes them, with
 * OpenAI's defaults where the client sent none, and `store` is false because Nexus keeps no
 * response.
 */
export function buildResponseObject(
  envelope: ResponseEnvelope,
  status: Status,
  output: unknown[],
  options: { usage?: Usage; finishReason?: FinishReason | null } = {},
): Record<string, unknown> {
  const { body } = envelope;
  const effort = isRecord(body.reasoning) ? body.reasoning.effort ?? null : null;
  return {
    id: envelope.id,
    object: "response",
    created_at: envelope.createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? incompleteDetails(options.finishReason) : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort, summary: null },
    store: false,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: status === "in_progress" ? null : usageToResponses(options.usage),
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** Maps a chat finish reason to the Responses status, `incomplete` for cut-off output. */
export function statusFor(finishReason: FinishReason | null | undefined): Status {
  return finishReason === "length" || finishReason === "content_filter"
    ? "incomplete"
    : "completed";
}

function incompleteDetails(finishReason: FinishReason | null | undefined) {
  return { reason: finishReason === "content_filter" ? "content_filter" : "max_output_tokens" };
}
