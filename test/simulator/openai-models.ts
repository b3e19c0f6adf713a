/** The default response of `GET /v1/models`: a short, fixed list in OpenAI's list shape. */

import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { checkOpenAIAuth } from "./openai-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { openaiHeaders } from "./provider-headers.ts";

export const SIMULATED_MODELS = [
  { id: "gpt-4o-mini", created: 1721172741, owned_by: "system" },
  { id: "gpt-4o", created: 1715367049, owned_by: "system" },
  { id: "gpt-4.1-nano", created: 1744321025, owned_by: "system" },
  { id: "text-embedding-3-small", created: 1705948997, owned_by: "system" },
] as const;

export function handleOpenAIModels(incoming: IncomingRequest, context: HandlerContext): Payload {
  const authError = checkOpenAIAuth(incoming, context);
  if (authError !== undefined) return authError;

  const data = SIMULATED_MODELS.map(({ id, created, owned_by }) => {
    return { id, object: "model", created, owned_by };
  });
  const headers = openaiHeaders(context.ids.openaiRequest());
  return jsonPayload(200, headers, { object: "list", data });
}
