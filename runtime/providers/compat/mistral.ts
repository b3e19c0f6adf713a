import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/**
 * Mistral: tool calls may lack `type` and stream `index` (the OpenAI decoder fills them in).
 * Magistral models send reasoning as `thinking` parts inside `content`, mapped to
 * `reasoning_content`.
 */
export const mistralProfile: CompatProfile = {
  type: "mistral",
  defaultBaseUrl: "https://api.mistral.ai/v1",
  auth: "bearer",
  reasoningField: null,
  contentThinkingParts: true,
  // Mistral's request schema forbids fields it does not define, and its streams end with usage.
  streamUsageUnasked: true,
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: true,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: true,
};
