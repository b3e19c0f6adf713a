import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** Together AI: reasoning models send `reasoning`. */
export const togetherProfile: CompatProfile = {
  type: "together",
  defaultBaseUrl: "https://api.together.xyz/v1",
  auth: "bearer",
  // NOTE: not checked against a recorded Together response; some models still use <think> tags.
  reasoningField: "reasoning",
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: true,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: true,
};
