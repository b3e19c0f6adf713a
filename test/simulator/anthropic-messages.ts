/**
 * The default response of `POST /v1/messages`: a Message object, or its stream of
 * `message_start`, `content_block_*`, `ping`, `message_delta` and `message_stop` events,
 * shaped like the recorded Anthropic responses.
 */

import { createHash } from "node:crypto";
import { checkAnthropicRequest, type AnthropicRequest } from "./anthropic-request.ts";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { anthropicHeaders } from "./provider-headers.ts";
import type { JsonValue } from "./schema-example.ts";
import { frameEvent } from "./sse-framing.ts";
import {
  countTextChars,
  decideAnswer,
  estimateTokens,
  splitDeltas,
  type Answer,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

type ContentBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: JsonValue };

interface Message {
  model: string;
  id: string;
  type: "message";
  role: "assistant";
  content: ContentBlock[];
  stop_reason: "end_turn" | "tool_use" | "max_tokens";
  stop_sequence: null;
  usage: ReturnType<typeof usage>;
}

export function handleAnthropicMessages(
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload {
  const checked = checkAnthropicRequest(incoming, context);
  if ("status" in checked) return checked;

  const requestId = context.ids.anthropicRequest();
  const message = buildMessage(checked, context);
  const headers = anthropicHeaders(requestId, message.usage.input_tokens);
  if (checked.stream !== true) return jsonPayload(200, headers, message);

  // Recorded Anthropic streams carry no-cache; recorded OpenAI streams do not.
  headers.set("cache-control", "no-cache");

  return ssePayload(headers, streamEvents(message).map(([type, data]) => {
    return frameEvent(JSON.stringify(data), type, context.sseStyle);
  }));
}

function buildMessage(request: AnthropicRequest, context: HandlerContext): Message {
  const conversation = toConversation(request);
  const answer = decideAnswer(conversation);
  const content: ContentBlock[] = [];

  if (isRecord(request.thinking) && request.thinking.type !== "disabled") {
    const thinking = `The user wrote: ${conversation.lastUserText.slice(0, 80)}`;
    content.push({ type: "thinking", thinking, signature: signatureFor(thinking) });
  }
  if (answer.kind === "tool") {
    const id = context.ids.anthropicToolUse();
    content.push({ type: "tool_use", id, name: answer.name, input: answer.arguments ?? {} });
  } else {
    content.push({ type: "text", text: answer.text });
  }

  return {
    model: request.model,
    id: context.ids.anthropicMessage(),
    type: "message",
    role: "assistant",
    content,
    stop_reason: stopReasonOf(answer),
    stop_sequence: null,
    usage: usage(estimateTokens(conversation.inputChars), estimateTokens(outputChars(content))),
  };
}

function stopReasonOf(answer: Answer): Message["stop_reason"] {
  if (answer.kind === "tool") return "tool_use";
  return answer.truncated ? "max_tokens" : "end_turn";
}

/** Characters the model generated; block types and signatures are not output text. */
function outputChars(content: ContentBlock[]): number {
  return content.reduce((sum, block) => {
    if (block.type === "thinking") return sum + block.thinking.length;
    if (block.type === "text") return sum + block.text.length;
    return sum + JSON.stringify(block.input).length;
  }, 0);
}

function usage(inputTokens: number, outputTokens: number) {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

/** Builds a stand-in for the opaque signature that lets a client send thinking back. */
function signatureFor(thinking: string): string {
  const digest = createHash("sha512").update(thinking).digest();
  return Buffer.concat([digest, digest.subarray(0, 32)]).toString("base64");
}

function toConversation(request: AnthropicRequest): Conversation {
  const last = request.messages.at(-1)!;
  const blocks = typeof last.content === "string" ? [] : asRecords(last.content);
  const hasToolResult = blocks.some((block) => block.type === "tool_result");

  return {
    lastUserText: last.role === "user" ? textOf(last.content) : "",
    endsWithPrompt: last.role === "user" && !hasToolResult,
    tools: asRecords(request.tools).filter((tool) => typeof tool.name === "string").map(toTool),
    toolChoice: toToolChoice(request.tool_choice),
    inputChars:
      countTextChars(request.messages) +
      countTextChars(request.system) +
      (request.tools === undefined ? 0 : JSON.stringify(request.tools).length),
    maxOutputTokens: request.max_tokens,
  };
}

function toTool(tool: Record<string, unknown>): ToolSpec {
  return { name: tool.name as string, schema: tool.input_schema ?? { type: "object" } };
}

function toToolChoice(choice: unknown): ToolChoice {
  if (!isRecord(choice)) return { kind: "auto" };
  if (choice.type === "none") return { kind: "none" };
  if (choice.type === "any") return { kind: "required" };
  if (choice.type === "tool" && typeof choice.name === "string") {
    return { kind: "tool", name: choice.name };
  }
  return { kind: "auto" };
}

/** Text of a message's content: text blocks and the text inside tool results. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  const texts = asRecords(content).map((block) => {
    if (block.type === "text" && typeof block.text === "string") return block.text;
    if (block.type === "tool_result") return textOf(block.content);
    return "";
  });
  return texts.filter((text) => text !== "").join("\n");
}

function asRecords(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

type StreamEvent = [type: string, data: Record<string, unknown>];

function streamEvents(message: Message): StreamEvent[] {
  const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage } };
  start.usage.output_tokens = 1;
  const events: StreamEvent[] = [["message_start", { type: "message_start", message: start }]];

  message.content.forEach((block, index) => {
    events.push(...blockEvents(block, index));
    // Recorded streams send one ping right after the first content_block_start.
    if (index === 0) events.splice(2, 0, ["ping", { type: "ping" }]);
  });

  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = message.usage;
  const finalUsage = {
    input_tokens,
    cache_creation_input_tokens,
    cache_read_input_tokens,
    output_tokens: message.usage.output_tokens,
  };
  const delta = { stop_reason: message.stop_reason, stop_sequence: null };
  events.push(["message_delta", { type: "message_delta", delta, usage: finalUsage }]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

function blockEvents(block: ContentBlock, index: number): StreamEvent[] {
  const deltas = blockDeltas(block);
  const empty =
    block.type === "thinking"
      ? { type: "thinking", thinking: "", signature: "" }
      : block.type === "text"
        ? { type: "text", text: "" }
        : { type: "tool_use", id: block.id, name: block.name, input: {} };

  return [
    ["content_block_start", { type: "content_block_start", index, content_block: empty }],
    ...deltas.map((delta): StreamEvent => {
      return ["content_block_delta", { type: "content_block_delta", index, delta }];
    }),
    ["content_block_stop", { type: "content_block_stop", index }],
  ];
}

function blockDeltas(block: ContentBlock): Record<string, string>[] {
  if (block.type === "thinking") {
    const thinking = splitDeltas(block.thinking).map((text) => {
      return { type: "thinking_delta", thinking: text };
    });
    return [...thinking, { type: "signature_delta", signature: block.signature }];
  }
  if (block.type === "text") {
    return splitDeltas(block.text).map((text) => ({ type: "text_delta", text }));
  }
  // The API opens a tool_use block with an empty input_json_delta, then streams the JSON.
  const pieces = ["", ...splitDeltas(JSON.stringify(block.input), 12)];
  return pieces.map((partial) => ({ type: "input_json_delta", partial_json: partial }));
}
