/** The providers the simulator speaks, by name. */

import type { Provider } from "./behaviour.ts";
import { handleAnthropicMessages } from "./anthropic-messages.ts";
import { bedrock } from "./bedrock-provider.ts";
import { handleCohereChat } from "./cohere-chat.ts";
import { handleCohereEmbed } from "./cohere-embed.ts";
import { cohereHeaders } from "./cohere-request.ts";
import { handleGeminiBatchEmbed } from "./gemini-embed.ts";
import { handleGeminiGenerate } from "./gemini-generate.ts";
import { geminiError, geminiHeaders, parseGeminiPath } from "./gemini-request.ts";
import { handleOpenAIChat } from "./openai-chat.ts";
import { handleOpenAIEmbeddings } from "./openai-embeddings.ts";
import { handleOpenAIModels } from "./openai-models.ts";
import { handleOpenAIResponses } from "./openai-responses.ts";
import { jsonPayload } from "./payload.ts";
import {
  anthropicErrorBody,
  cohereErrorBody,
  errorBodyFor,
  openaiErrorBody,
} from "./provider-errors.ts";
import { anthropicHeaders, openaiHeaders } from "./provider-headers.ts";
import { azureProvider } from "./azure-provider.ts";
import { compatProvider } from "./compat-provider.ts";
import { voyageProvider } from "./voyage-provider.ts";
import { handleReplicate } from "./replicate-predictions.ts";
import {
  parseReplicatePath,
  replicateError,
  replicateErrorBody,
  replicateHeaders,
} from "./replicate-request.ts";
import { type Handler, type SimulatedProvider, tableRoute } from "./simulated-provider.ts";
import { vertexProvider } from "./vertex-provider.ts";

const OPENAI_ROUTES: Record<string, Handler> = {
  "POST /openai/v1/chat/completions": handleOpenAIChat,
  "POST /openai/v1/responses": handleOpenAIResponses,
  "POST /openai/v1/embeddings": handleOpenAIEmbeddings,
  "GET /openai/v1/models": handleOpenAIModels,
};

const openai: SimulatedProvider = {
  prefix: "/openai/",
  route: tableRoute(OPENAI_ROUTES),
  responseHeaders(context) {
    const requestId = context.ids.openaiRequest();
    return { requestId, headers: openaiHeaders(requestId) };
  },
  errorBody: (status, requestId) => errorBodyFor("openai", status, requestId),
  notFound(incoming, context) {
    const body = openaiErrorBody(`Invalid URL (${incoming.method} ${incoming.path})`);
    return jsonPayload(404, openaiHeaders(context.ids.openaiRequest()), body);
  },
};

const anthropic: SimulatedProvider = {
  prefix: "/anthropic/",
  route: tableRoute({ "POST /anthropic/v1/messages": handleAnthropicMessages }),
  responseHeaders(context) {
    const requestId = context.ids.anthropicRequest();
    return { requestId, headers: anthropicHeaders(requestId) };
  },
  errorBody: (status, requestId) => errorBodyFor("anthropic", status, requestId),
  notFound(incoming, context) {
    const requestId = context.ids.anthropicRequest();
    const message = `Not found: ${incoming.method} ${incoming.path}`;
    const body = anthropicErrorBody("not_found_error", message, requestId);
    return jsonPayload(404, anthropicHeaders(requestId), body);
  },
};

/** Gemini puts the model and the method in the path: `/v1beta/models/{model}:{method}`. */
function geminiRoute(method: string, pathname: string): Handler | undefined {
  const target = method === "POST" ? parseGeminiPath(pathname) : undefined;
  if (target === undefined) return undefined;

  const { model } = target;
  if (target.method === "generateContent" || target.method === "streamGenerateContent") {
    const stream = target.method === "streamGenerateContent";
    return (incoming, context) => handleGeminiGenerate(incoming, context, model, stream);
  }
  if (target.method === "batchEmbedContents") {
    return (incoming, context) => handleGeminiBatchEmbed(incoming, context, model);
  }
  return undefined;
}

const gemini: SimulatedProvider = {
  prefix: "/gemini/",
  route: geminiRoute,
  // Google's error body carries no request id.
  responseHeaders: () => ({ requestId: null, headers: geminiHeaders() }),
  errorBody: (status, requestId) => errorBodyFor("gemini", status, requestId),
  notFound: (incoming) =>
    geminiError(404, "NOT_FOUND", `The requested URL ${incoming.path} was not found.`),
};

const cohere: SimulatedProvider = {
  prefix: "/cohere/",
  route: tableRoute({
    "POST /cohere/v2/chat": handleCohereChat,
    "POST /cohere/v2/embed": handleCohereEmbed,
  }),
  responseHeaders(context) {
    const requestId = context.ids.cohereUuid();
    return { requestId, headers: cohereHeaders(requestId) };
  },
  errorBody: (status, requestId) => errorBodyFor("cohere", status, requestId),
  notFound(incoming, context) {
    const requestId = context.ids.cohereUuid();
    const body = cohereErrorBody(`path not found: ${incoming.method} ${incoming.path}`, requestId);
    return jsonPayload(404, cohereHeaders(requestId), body);
  },
};

/** Replicate puts the model or the prediction id in the path; see replicate-request.ts. */
const replicate: SimulatedProvider = {
  prefix: "/replicate/",
  route(method, pathname) {
    const route = parseReplicatePath(method, pathname);
    if (route === undefined) return undefined;
    return (incoming, context) => handleReplicate(route, incoming, context);
  },
  // Replicate's problem details carry no request id.
  responseHeaders: () => ({ requestId: null, headers: replicateHeaders() }),
  errorBody: (status) => replicateErrorBody(status),
  notFound: () => replicateError(404),
};

/** Each simulated provider; a provider named in PROVIDERS but missing here answers 404. */
export const SIMULATED_PROVIDERS: Partial<Record<Provider, SimulatedProvider>> = {
  openai,
  anthropic,
  gemini,
  cohere,
  vertex: vertexProvider,
  replicate,
  azure: azureProvider,
  voyage: voyageProvider,
  bedrock,
  compat: compatProvider,
};
