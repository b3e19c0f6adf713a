import { anthropicCodec } from "./anthropic/codec.ts";
import { azureCodec } from "./azure/codec.ts";
import { bedrockCodec } from "./bedrock/codec.ts";
import type { ProviderCodec } from "./codec.ts";
import { cohereCodec } from "./cohere/codec.ts";
import { geminiCodec } from "./gemini/codec.ts";
import { compatCodec } from "./compat/codec.ts";
import { COMPAT_PROFILES } from "./compat/profiles.ts";
import { openaiCodec } from "./openai/codec.ts";
import { replicateCodec } from "./replicate/codec.ts";
import { vertexCodec } from "./vertex/codec.ts";
import { voyageCodec } from "./voyage/codec.ts";

/** Codecs by the provider `type` named in the config. */
const CODECS: Record<string, ProviderCodec> = {
  openai: openaiCodec,
  anthropic: anthropicCodec,
  cohere: cohereCodec,
  gemini: geminiCodec,
  azure: azureCodec,
  bedrock: bedrockCodec,
  voyage: voyageCodec,
  replicate: replicateCodec,
  vertex: vertexCodec,
  ...Object.fromEntries(COMPAT_PROFILES.map((profile) => [profile.type, compatCodec(profile)])),
};

export function codecFor(type: string): ProviderCodec {
  const codec = CODECS[type];
  if (codec === undefined) throw new Error(`no codec for provider type "${type}"`);
  return codec;
}
