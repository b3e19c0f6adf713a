import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** Moonshot AI (Kimi): thinking models send `reasoning_content`. */
export const moonshotProfile: CompatProfile = {
  type: "moonshot",
  defaultBaseUrl: "https://api.moonshot.ai/v1",
  auth: "bearer",
  reasoningField: "reasoning_content",
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: true,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
};
