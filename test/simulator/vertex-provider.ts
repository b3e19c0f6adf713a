/**
 * Vertex AI as the simulator serves it under `/vertex/`: the token endpoint, and per model
 * path Gemini's `generateContent` and `streamGenerateContent`, `predict` for embeddings, and
 * Claude's `rawPredict` and `streamRawPredict`. Model routes need a token the token endpoint
 * issued; their bodies come from the Gemini and Anthropic handlers.
 */

import { handleGeminiGenerate } from "./gemini-generate.ts";
import { geminiError, geminiHeaders } from "./gemini-request.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";
import { errorBodyFor } from "./provider-errors.ts";
import type { Handler, SimulatedProvider } from "./simulated-provider.ts";
import { handleVertexClaude } from "./vertex-claude.ts";
import { handleVertexPredict } from "./vertex-predict.ts";
import {
  checkVertexToken,
  parseVertexPath,
  type VertexTarget,
  withRequest,
} from "./vertex-request.ts";
import { handleVertexToken, VERTEX_TOKEN_PATH } from "./vertex-token.ts";

function vertexRoute(method: string, pathname: string): Handler | undefined {
  if (method !== "POST") return undefined;
  if (pathname === VERTEX_TOKEN_PATH) return handleVertexToken;

  const target = parseVertexPath(pathname);
  if (target === undefined || modelHandler(target) === undefined) return undefined;
  return (incoming, context) => {
    return checkVertexToken(incoming) ?? modelHandler(target)!(incoming, context);
  };
}

type ModelHandler = (incoming: IncomingRequest, context: HandlerContext) => Payload;

function modelHandler(target: VertexTarget): ModelHandler | undefined {
  const { model, method, publisher } = target;
  if (publisher === "anthropic" && (method === "rawPredict" || method === "streamRawPredict")) {
    return (incoming, context) => handleVertexClaude(incoming, context, model);
  }
  if (publisher !== "google") return undefined;
  if (method === "generateContent" || method === "streamGenerateContent") {
    const stream = method === "streamGenerateContent";
    return (incoming, context) => {
      // The Gemini handler checks for an API key; on Vertex the bearer token replaced it.
      const gemini = withRequest(incoming, { "x-goog-api-key": "vertex" }, incoming.json);
      if (incoming.jsonError !== undefined) gemini.jsonError = incoming.jsonError;
      return handleGeminiGenerate(gemini, context, model, stream);
    };
  }
  if (method === "predict") return (incoming) => handleVertexPredict(incoming);
  return undefined;
}

export const vertexProvider: SimulatedProvider = {
  prefix: "/vertex/",
  route: vertexRoute,
  // Google's error body carries no request id.
  responseHeaders: () => ({ requestId: null, headers: geminiHeaders() }),
  errorBody: (status) => errorBodyFor("gemini", status),
  notFound: (incoming) =>
    geminiError(404, "NOT_FOUND", `The requested URL ${incoming.path} was not found.`),
};
