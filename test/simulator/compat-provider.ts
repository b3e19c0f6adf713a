/**
 * The simulated OpenAI-compatible providers, served under `/compat/{name}{basePath}/`, where
 * `basePath` is the path of the provider's real base URL (`/openai/v1` for Groq, empty for
 * DeepSeek). Chat responses are OpenAI's synthetic ones in the provider's dialect; embeddings,
 * for the providers that serve them, are OpenAI's. Errors use OpenAI's error body.
 * NOTE: Mistral's and GLM's own error bodies are not simulated.
 */

import { profileReshape, SIMULATED_PROFILES, type SimulatedProfile } from "./compat-profiles.ts";
import { reshapedChat } from "./compat-reshape.ts";
import { handleOpenAIEmbeddings } from "./openai-embeddings.ts";
import { openaiError } from "./openai-request.ts";
import { errorBodyFor } from "./provider-errors.ts";
import { openaiHeaders } from "./provider-headers.ts";
import type { Handler, SimulatedProvider } from "./simulated-provider.ts";

const COMPAT_PATH = /^\/compat\/([a-z]+)(\/.*)$/;

/** Nexus's `baseUrl` for the profile `name` on a simulator at `simulatorUrl`. */
export function compatBaseUrl(simulatorUrl: string, name: string): string {
  const profile = SIMULATED_PROFILES[name];
  if (profile === undefined) throw new Error(`the simulator has no compat profile "${name}"`);
  return `${simulatorUrl}/compat/${name}${profile.basePath}`;
}

function compatRoute(method: string, pathname: string): Handler | undefined {
  const match = method === "POST" ? COMPAT_PATH.exec(pathname) : null;
  const profile: SimulatedProfile | undefined = SIMULATED_PROFILES[match?.[1] ?? ""];
  if (match === null || profile === undefined) return undefined;

  const rest = match[2];
  if (rest === `${profile.basePath}/chat/completions`) {
    const reshape = profileReshape(profile);
    return (incoming, context) => reshapedChat(incoming, context, reshape);
  }
  if (rest === `${profile.basePath}/embeddings` && profile.embeddings) {
    return handleOpenAIEmbeddings;
  }
  return undefined;
}

export const compatProvider: SimulatedProvider = {
  prefix: "/compat/",
  route: compatRoute,
  responseHeaders(context) {
    const requestId = context.ids.openaiRequest();
    return { requestId, headers: openaiHeaders(requestId) };
  },
  errorBody: (status, requestId) => errorBodyFor("openai", status, requestId),
  notFound: (incoming, context) => {
    return openaiError(context, 404, `Not found: ${incoming.method} ${incoming.path}`);
  },
};
