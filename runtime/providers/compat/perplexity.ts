import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** Perplexity (Sonar): reasoning models put `<think>` blocks inside `content`, so no field maps. */
export const perplexityProfile: CompatProfile = {
  type: "perplexity",
  defaultBaseUrl: "https://api.perplexity.ai",
  auth: "bearer",
  reasoningField: null,
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: false,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
};
