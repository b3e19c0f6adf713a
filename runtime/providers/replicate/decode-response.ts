/**
 * Decodes a finished prediction (what `send` returns for a non-streaming request) into a
 * `chat.completion`.
 */

import type { ChatRequest, ChatResponse } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { outputText } from "./output-text.ts";
import {
  errorDetail,
  invalidUpstream,
  predictionCanceled,
  predictionFailed,
} from "./upstream-errors.ts";
import { finishReason, toUsage } from "./usage.ts";
import type { Prediction } from "./wire.ts";

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const prediction = readPrediction(body);
  const id = prediction.id ?? "unknown";
  if (prediction.status === "failed") throw predictionFailed(id, errorDetail(prediction.error));
  if (prediction.status === "canceled") throw predictionCanceled(id);
  if (prediction.status !== "succeeded") {
    throw invalidUpstream(`prediction ${id} has status '${String(prediction.status)}', ` +
      "not a final one.");
  }

  const usage = toUsage(prediction.metrics);
  const response: ChatResponse = {
    id: `chatcmpl-replicate-${id}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices: [{
      index: 0,
      message: { role: "assistant", content: textOf(prediction.output) },
      finish_reason: finishReason(usage, maxTokensOf(context.request)),
    }],
  };
  if (usage !== undefined) response.usage = usage;
  return response;
}

export function maxTokensOf(request: ChatRequest): number | undefined {
  const value = request.max_completion_tokens ?? request.max_tokens;
  return typeof value === "number" ? value : undefined;
}

function readPrediction(body: unknown): Prediction {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidUpstream("the prediction is not a JSON object.");
  }
  return body as Prediction;
}

function textOf(output: unknown): string {
  const text = outputText(output);
  if (text !== null) return text;
  throw invalidUpstream("the prediction's output is neither text nor an array of text; " +
    "only language models can serve chat completions.");
}
