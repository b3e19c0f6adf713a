/**
 * Azure OpenAI's chat completions and embeddings: OpenAI's bodies, with the deployment in the
 * path and the results of Azure's content filter added to every chat response. Every category
 * is rated `safe`; blocking is injected with `azureContentFilterBlock`.
 *
 * A streamed answer starts with a chunk that has no choices, an empty id and model, and the
 * prompt's `prompt_filter_results`; each later chunk with a choice carries that choice's
 * `content_filter_results` (empty on the first and last chunk).
 */

import { checkAzureRequest, credentialOf, azureHeaders } from "./azure-request.ts";
import {
  dropUnrequestedUsage,
  type ChatReshape,
  type JsonObject,
  reshapedChat,
} from "./compat-reshape.ts";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { handleOpenAIEmbeddings } from "./openai-embeddings.ts";
import { jsonPayload, type Payload } from "./payload.ts";

const SAFE = { filtered: false, severity: "safe" };

const PROMPT_RESULTS = {
  hate: SAFE,
  jailbreak: { filtered: false, detected: false },
  self_harm: SAFE,
  sexual: SAFE,
  violence: SAFE,
};

const COMPLETION_RESULTS = {
  hate: SAFE,
  protected_material_code: { filtered: false, detected: false },
  protected_material_text: { filtered: false, detected: false },
  self_harm: SAFE,
  sexual: SAFE,
  violence: SAFE,
};

const promptFilterResults = () => [{ prompt_index: 0, content_filter_results: PROMPT_RESULTS }];

const AZURE_RESHAPE: ChatReshape = {
  completion(body) {
    const choices = (body.choices as JsonObject[]).map((choice) => {
      return { ...choice, content_filter_results: COMPLETION_RESULTS };
    });
    const reshaped: JsonObject = { ...body, choices, prompt_filter_results: promptFilterResults() };
    delete reshaped.service_tier;
    return reshaped;
  },

  chunks(chunks, request) {
    const annotated = chunks.map((chunk, position) => {
      const copy: JsonObject = { ...chunk };
      delete copy.service_tier;
      if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return copy;

      const edge = position === 0 || isFinishChunk(chunk);
      const results = edge ? {} : COMPLETION_RESULTS;
      copy.choices = chunk.choices.filter(isRecord).map((choice) => {
        return { ...choice, content_filter_results: results };
      });
      return copy;
    });
    const opening = {
      choices: [],
      created: 0,
      id: "",
      model: "",
      object: "",
      prompt_filter_results: promptFilterResults(),
    };
    return [opening, ...dropUnrequestedUsage(annotated, request)];
  },

  headers: (context, tokens) => azureHeaders(context, tokens).headers,
};

function isFinishChunk(chunk: JsonObject): boolean {
  const choices = chunk.choices as unknown[];
  return choices.some((choice) => isRecord(choice) && choice.finish_reason !== null);
}

export function handleAzureChat(
  incoming: IncomingRequest,
  context: HandlerContext,
  deployment: string,
): Payload | Promise<Payload> {
  const rejected = checkAzureRequest(incoming, context);
  if (rejected !== undefined) return rejected;
  return reshapedChat(asOpenAIRequest(incoming, deployment), context, AZURE_RESHAPE);
}

export function handleAzureEmbeddings(
  incoming: IncomingRequest,
  context: HandlerContext,
  deployment: string,
): Payload {
  const rejected = checkAzureRequest(incoming, context);
  if (rejected !== undefined) return rejected;

  const answer = handleOpenAIEmbeddings(asOpenAIRequest(incoming, deployment), context);
  if (answer.status !== 200) return answer;
  const body = JSON.parse(new TextDecoder().decode(answer.parts[0])) as JsonObject;
  const tokens = isRecord(body.usage) ? Number(body.usage.total_tokens) : 0;
  return jsonPayload(200, azureHeaders(context, tokens).headers, body);
}

/**
 * Rewrites the request as the OpenAI handlers expect it: Azure's credential as a bearer token, and the
 * deployment as `model`, which Azure does not require because the path names the deployment.
 */
function asOpenAIRequest(incoming: IncomingRequest, deployment: string): IncomingRequest {
  const headers = new Headers(incoming.headers);
  headers.set("authorization", `Bearer ${credentialOf(incoming.headers) ?? ""}`);
  if (!isRecord(incoming.json) || incoming.json.model !== undefined) {
    return { ...incoming, headers };
  }
  return { ...incoming, headers, json: { ...incoming.json, model: deployment } };
}
