/**
 * Expected results read straight from the recorded fixtures, written apart from the codec so
 * the replay tests compare two independent readings of the same bytes.
 */

/** Cohere finish reasons and the OpenAI finish_reason each must become. */
export const FINISH_REASONS: Record<string, string> = {
  COMPLETE: "stop",
  STOP_SEQUENCE: "stop",
  MAX_TOKENS: "length",
  TOOL_CALL: "tool_calls",
  TIMEOUT: "length",
};

export interface ExpectedAnswer {
  id: string;
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

interface RecordedUsage {
  tokens: { input_tokens: number; output_tokens: number };
  cached_tokens: number;
}

interface RecordedCall {
  id: string;
  function: { name: string; arguments: string };
}

/** Reads a recorded `/v2/chat` JSON body. */
export function expectedFromBody(body: Record<string, unknown>): ExpectedAnswer {
  const message = body.message as {
    content?: { type: string; text?: string; thinking?: string }[];
    tool_plan?: string;
    tool_calls?: RecordedCall[];
  };
  const parts = message.content ?? [];
  const usage = body.usage as RecordedUsage;
  return {
    id: body.id as string,
    text: parts.map((part) => part.text ?? "").join("") + (message.tool_plan ?? ""),
    reasoning: parts.map((part) => part.thinking ?? "").join(""),
    toolCalls: (message.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    })),
    finishReason: FINISH_REASONS[body.finish_reason as string]!,
    inputTokens: usage.tokens.input_tokens,
    outputTokens: usage.tokens.output_tokens,
    cachedTokens: usage.cached_tokens,
  };
}

/** Reads a recorded stream's events. */
export function expectedFromEvents(events: Record<string, unknown>[]): ExpectedAnswer {
  const answer: ExpectedAnswer = {
    id: "",
    text: "",
    reasoning: "",
    toolCalls: [],
    finishReason: "",
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
  };
  for (const event of events) readEvent(event, answer);
  return answer;
}

function readEvent(event: Record<string, unknown>, answer: ExpectedAnswer): void {
  const delta = (event.delta ?? {}) as Record<string, unknown>;
  const message = (delta.message ?? {}) as Record<string, unknown>;
  const content = (message.content ?? {}) as { text?: string; thinking?: string };
  const call = (message.tool_calls ?? {}) as Partial<RecordedCall>;

  switch (event.type) {
    case "message-start":
      answer.id = event.id as string;
      break;
    case "content-delta":
      answer.text += content.text ?? "";
      answer.reasoning += content.thinking ?? "";
      break;
    case "tool-plan-delta":
      answer.text += message.tool_plan as string;
      break;
    case "tool-call-start":
      answer.toolCalls.push({ id: call.id!, name: call.function!.name, arguments: "" });
      break;
    case "tool-call-delta":
      answer.toolCalls.at(-1)!.arguments += call.function!.arguments;
      break;
    case "message-end": {
      const usage = delta.usage as RecordedUsage;
      answer.finishReason = FINISH_REASONS[delta.finish_reason as string]!;
      answer.inputTokens = usage.tokens.input_tokens;
      answer.outputTokens = usage.tokens.output_tokens;
      answer.cachedTokens = usage.cached_tokens;
      break;
    }
  }
}
