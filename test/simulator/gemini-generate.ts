/**
 * The default response of Gemini `generateContent` and `streamGenerateContent`: one
 * `GenerateContentResponse`, or a stream of them that carry the next slice of the candidate.
 * With `?alt=sse` the stream is server-sent events framed with CRLF and no end marker;
 * without it, Google sends the same objects as one JSON array.
 */

import { geminiConversation } from "./gemini-conversation.ts";
import { checkGeminiBody, geminiError, geminiHeaders } from "./gemini-request.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { isPayload } from "./openai-request.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { frameEvent } from "./sse-framing.ts";
import { decideAnswer, estimateTokens, splitDeltas, type Answer } from "./synthetic-answer.ts";

interface Generation {
  responseId: string;
  modelVersion: string;
  answer: Answer;
  promptTokens: number;
  outputTokens: number;
}

type Part = Record<string, unknown>;

export function handleGeminiGenerate(
  incoming: IncomingRequest,
  context: HandlerContext,
  model: string,
  stream: boolean,
): Payload {
  const body = checkGeminiBody(incoming);
  if (isPayload(body)) return body;
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    const message = "* GenerateContentRequest.contents: contents is not specified";
    return geminiError(400, "INVALID_ARGUMENT", message);
  }

  const generation = generate(body, context, model);
  if (!stream) return jsonPayload(200, geminiHeaders(), responseObject(generation));

  const events = streamEvents(generation);
  if (!new URLSearchParams(incoming.path.split("?")[1] ?? "").has("alt", "sse")) {
    return jsonPayload(200, geminiHeaders(), events);
  }
  // Google frames its events with CRLF; a queued `sseStyle` still overrides it.
  const style = context.sseStyle ?? "crlf";
  const framed = events.map((event) => frameEvent(JSON.stringify(event), undefined, style));
  return ssePayload(geminiHeaders(), framed);
}

function generate(
  body: Record<string, unknown>,
  context: HandlerContext,
  model: string,
): Generation {
  const conversation = geminiConversation(body);
  const answer = decideAnswer(conversation);
  const outputChars =
    answer.kind === "text" ? answer.text.length : JSON.stringify(answer.arguments).length;
  return {
    responseId: context.ids.geminiResponse(),
    modelVersion: model,
    answer,
    promptTokens: estimateTokens(conversation.inputChars),
    outputTokens: estimateTokens(outputChars),
  };
}

function responseObject(generation: Generation): Record<string, unknown> {
  const { answer } = generation;
  const parts: Part[] =
    answer.kind === "tool"
      ? [{ functionCall: { name: answer.name, args: answer.arguments } }]
      : [{ text: answer.text }];
  return envelope(generation, parts, finishReason(answer), true);
}

/** One event per text slice; the last one carries the finish reason and the final counts. */
function streamEvents(generation: Generation): Record<string, unknown>[] {
  const { answer } = generation;
  if (answer.kind === "tool") return [responseObject(generation)];

  const slices = splitDeltas(answer.text);
  if (slices.length === 0) slices.push("");
  return slices.map((text, index) => {
    const last = index === slices.length - 1;
    return envelope(generation, [{ text }], last ? finishReason(answer) : undefined, last);
  });
}

function envelope(
  generation: Generation,
  parts: Part[],
  reason: string | undefined,
  finalUsage: boolean,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { parts, role: "model" }, index: 0 };
  if (reason !== undefined) candidate.finishReason = reason;
  return {
    candidates: [candidate],
    usageMetadata: usageMetadata(generation, finalUsage),
    modelVersion: generation.modelVersion,
    responseId: generation.responseId,
  };
}

/** Events before the last one report the prompt count only, as Google's streams do. */
function usageMetadata(generation: Generation, final: boolean): Record<string, unknown> {
  const prompt = generation.promptTokens;
  const output = final ? generation.outputTokens : 0;
  const usage: Record<string, unknown> = {
    promptTokenCount: prompt,
    totalTokenCount: prompt + output,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
  };
  if (final) usage.candidatesTokenCount = output;
  return usage;
}

/** Gemini reports STOP after a function call too; MAX_TOKENS when the text was cut. */
function finishReason(answer: Answer): string {
  return answer.kind === "text" && answer.truncated ? "MAX_TOKENS" : "STOP";
}
