import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** Fireworks AI: reasoning models send `reasoning_content`. */
export const fireworksProfile: CompatProfile = {
  type: "fireworks",
  defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
  auth: "bearer",
  reasoningField: "reasoning_content",
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: true,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: true,
};
