import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** xAI (Grok): mini reasoning models send `reasoning_content`; cached tokens use OpenAI's field. */
export const xaiProfile: CompatProfile = {
  type: "xai",
  defaultBaseUrl: "https://api.x.ai/v1",
  auth: "bearer",
  reasoningField: "reasoning_content",
  // Recorded grok-3-mini usage: 291 prompt + 26 completion + 189 reasoning = 506 total tokens.
  reasoningOutsideCompletion: true,
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: true,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
};
