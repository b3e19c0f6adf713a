import type { ChatResponse, ReasoningDetail } from "../../../../runtime/canonical/chat.ts";
import type { ResponsesBody } from "../routes/responses-body.ts";
import { buildResponseObject, statusFor } from "./envelope.ts";
import { newItemId } from "./ids.ts";
import { encodeReasoningDetails } from "./reasoning-blob.ts";

/**
 * Translates a canonical chat answer into a Responses `response` object. Output items come in
 * the order the model produced them: a reasoning item, a message item with the text, then one
 * function_call item per tool call.
 */
export function toResponseObject(
  answer: ChatResponse,
  body: ResponsesBody,
): Record<string, unknown> {
  const choice = answer.choices[0];
  const message = choice?.message;
  const status = statusFor(choice?.finish_reason);
  const output: Record<string, unknown>[] = [];

  const reasoning = reasoningItem(message?.reasoning_content, message?.reasoning_details);
  if (reasoning !== null) output.push(reasoning);
  const text = textOf(message?.content);
  if (text !== "" || message?.refusal) {
    output.push(messageItem(newItemId("msg"), text, message?.refusal ?? null, status));
  }
  for (const call of message?.tool_calls ?? []) {
    output.push(functionCallItem(newItemId("fc"), call.id, call.function.name,
      call.function.arguments, "completed"));
  }

  const envelope = { id: newItemId("resp"), createdAt: answer.created, body };
  return buildResponseObject(envelope, status, output, {
    usage: answer.usage,
    finishReason: choice?.finish_reason,
  });
}

/**
 * Builds a reasoning item: the reasoning text as a summary part, and the provider's reasoning
 * details (thinking blocks and signatures) in `encrypted_content`, so a later turn can send
 * them back. Returns null when there was no reasoning.
 */
export function reasoningItem(
  text: string | null | undefined,
  details: ReasoningDetail[] | undefined,
  id: string = newItemId("rs"),
): Record<string, unknown> | null {
  const encrypted = encodeReasoningDetails(details ?? []);
  if ((text === undefined || text === null || text === "") && encrypted === null) return null;
  const summary = text ? [{ type: "summary_text", text }] : [];
  return { id, type: "reasoning", summary, encrypted_content: encrypted, status: "completed" };
}

export function messageItem(
  id: string,
  text: string,
  refusal: string | null,
  status: string,
): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (text !== "" || refusal === null) content.push(outputTextPart(text));
  if (refusal !== null) content.push({ type: "refusal", refusal });
  return { id, type: "message", status, role: "assistant", content };
}

export function outputTextPart(text: string): Record<string, unknown> {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status: string,
): Record<string, unknown> {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}

function textOf(content: ChatResponse["choices"][number]["message"]["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (part.type === "text" ? String(part.text) : "")).join("");
}
