import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

/**
 * The inbound API whose shape a stored answer is served in. Each has its own key prefix, so
 * answers of different APIs never share a key.
 */
export type CacheApi = "chat" | "messages" | "responses" | "embeddings";

/** The resolved destination of a request, part of the fingerprint since models differ. */
export interface CacheTarget {
  providerId: string;
  upstreamModel: string;
}

/** Who may share an answer: an org, or one key of it when the config sets `perKey`. */
export interface CacheNamespace {
  org: string;
  keyId: string | null;
}

/** Returns a copy of a request body without the fields that do not shape the answer. */
export function shapingFields(
  body: Record<string, unknown>,
  ignored: readonly string[],
): Record<string, unknown> {
  const shaping: Record<string, unknown> = { ...body };
  for (const field of ignored) delete shaping[field];
  return shaping;
}

/** Returns the SHA-256 (hex) of the sorted-key serialization of a fingerprint's subject. */
export function hashSubject(subject: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(subject)).digest("hex");
}

/**
 * Returns the fingerprint of a non-chat request: the API, the resolved provider and upstream
 * model, and the given parts (the shaping body fields, and whatever else shapes the answer).
 */
export function answerFingerprint(
  api: CacheApi,
  target: CacheTarget,
  parts: Record<string, unknown>,
): string {
  return hashSubject({
    api,
    provider: target.providerId,
    upstream_model: target.upstreamModel,
    ...parts,
  });
}

/**
 * Returns the store key of an answer. JSON and streamed answers are kept apart because a
 * stream rebuilt from a JSON answer would not keep the provider's chunk boundaries.
 */
export function answerCacheKey(
  api: CacheApi,
  fingerprint: string,
  namespace: CacheNamespace,
  mode: "json" | "stream",
): string {
  const owner = namespace.keyId === null
    ? `org:${encodeURIComponent(namespace.org)}`
    : `key:${encodeURIComponent(namespace.org)}:${encodeURIComponent(namespace.keyId)}`;
  return `nexus:${api}:v1:${owner}:${mode}:${fingerprint}`;
}
