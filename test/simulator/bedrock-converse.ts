/**
 * Default responses of Bedrock `Converse` (one JSON body) and `ConverseStream` (event
 * stream messages: messageStart, contentBlockStart for a tool call, contentBlockDelta,
 * contentBlockStop, messageStop, metadata). Requests must be signed or carry an API key.
 */

import { checkBedrockAuth } from "./bedrock-auth.ts";
import { bedrockConversation } from "./bedrock-conversation.ts";
import { eventMessage, eventStreamPayload } from "./bedrock-frames.ts";
import { bedrockError, bedrockHeaders } from "./bedrock-request.ts";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { decideAnswer, estimateTokens, splitDeltas, type Answer } from "./synthetic-answer.ts";

interface Generation {
  answer: Answer;
  toolUseId: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
}

export async function handleBedrockConverse(
  incoming: IncomingRequest,
  context: HandlerContext,
  stream: boolean,
): Promise<Payload> {
  const authError = await checkBedrockAuth(incoming, context);
  if (authError !== null) return authError;

  const body = incoming.json;
  if (incoming.jsonError !== undefined || !isRecord(body)) {
    return bedrockError(400, "SerializationException", "Invalid JSON body.", context);
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    const message = "A conversation must start with a user message. Try again with a " +
      "conversation that starts with a user message.";
    return bedrockError(400, "ValidationException", message, context);
  }

  const generation = generate(body, context);
  if (!stream) return jsonPayload(200, bedrockHeaders(context), responseObject(generation));
  return eventStreamPayload(bedrockHeaders(context), streamMessages(generation));
}

function generate(body: Record<string, unknown>, context: HandlerContext): Generation {
  const conversation = bedrockConversation(body);
  const answer = decideAnswer(conversation);
  const outputChars =
    answer.kind === "text" ? answer.text.length : JSON.stringify(answer.arguments).length;
  const inputTokens = estimateTokens(conversation.inputChars);
  const outputTokens = estimateTokens(outputChars);
  return {
    answer,
    toolUseId: `tooluse_${context.ids.base62(22)}`,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  };
}

function responseObject(generation: Generation): Record<string, unknown> {
  const { answer } = generation;
  const toolUse = { toolUseId: generation.toolUseId, name: "", input: {} as unknown };
  if (answer.kind === "tool") {
    toolUse.name = answer.name;
    toolUse.input = answer.arguments;
  }
  const content = answer.kind === "tool" ? [{ toolUse }] : [{ text: answer.text }];
  return {
    output: { message: { role: "assistant", content } },
    stopReason: stopReason(answer),
    usage: generation.usage,
    metrics: { latencyMs: 0 },
  };
}

function streamMessages(generation: Generation): Uint8Array[] {
  const { answer } = generation;
  const messages = [eventMessage("messageStart", { role: "assistant" })];

  if (answer.kind === "tool") {
    const toolUse = { toolUseId: generation.toolUseId, name: answer.name };
    messages.push(eventMessage("contentBlockStart", { contentBlockIndex: 0, start: { toolUse } }));
    // Bedrock streams the input as JSON text in pieces; two pieces show the joining.
    for (const input of halves(JSON.stringify(answer.arguments))) {
      const delta = { toolUse: { input } };
      messages.push(eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta }));
    }
  } else {
    for (const text of splitDeltas(answer.text)) {
      messages.push(eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }));
    }
  }

  messages.push(eventMessage("contentBlockStop", { contentBlockIndex: 0 }));
  messages.push(eventMessage("messageStop", { stopReason: stopReason(answer) }));
  messages.push(eventMessage("metadata", { usage: generation.usage, metrics: { latencyMs: 0 } }));
  return messages;
}

function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)].filter((part) => part !== "");
}

function stopReason(answer: Answer): string {
  if (answer.kind === "tool") return "tool_use";
  return answer.truncated ? "max_tokens" : "end_turn";
}
