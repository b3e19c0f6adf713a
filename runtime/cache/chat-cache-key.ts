import { createHash } from "node:crypto";
import type { ChatRequest } from "../canonical/chat.ts";
import { canonicalJson } from "./canonical-json.ts";

/**
 * Request fields that do not shape the answer, so requests that differ only in them share a
 * cached answer. `stream` and `stream_options` change the framing, which the gateway rebuilds
 * per request (JSON and stream answers are still stored apart, see `chatCacheKey`); `user` and
 * `metadata` are attribution. Every other field, including unknown pass-through ones, counts.
 */
export const IGNORED_CHAT_FIELDS = ["stream", "stream_options", "user", "metadata"] as const;

/** The resolved destination of a request, part of the fingerprint since models differ. */
export interface CacheTarget {
  providerId: string;
  upstreamModel: string;
}

/**
 * Returns the SHA-256 (hex) of the canonical serialization of everything that shapes the
 * answer: the resolved provider and upstream model, and every request field except
 * `IGNORED_CHAT_FIELDS`. The client's model name stays in, because the answer echoes it.
 */
export function chatFingerprint(request: ChatRequest, target: CacheTarget): string {
  const shaping: Record<string, unknown> = { ...request };
  for (const field of IGNORED_CHAT_FIELDS) delete shaping[field];

  const subject = canonicalJson({
    provider: target.providerId,
    upstream_model: target.upstreamModel,
    request: shaping,
  });
  return createHash("sha256").update(subject).digest("hex");
}

/** Who may share an answer: an org, or one key of it when the config sets `perKey`. */
export interface CacheNamespace {
  org: string;
  keyId: string | null;
}

/**
 * Returns the store key of an answer. JSON and streamed answers are kept apart because a
 * stream rebuilt from a JSON answer would not keep the provider's chunk boundaries.
 */
export function chatCacheKey(
  fingerprint: string,
  namespace: CacheNamespace,
  mode: "json" | "stream",
): string {
  const owner = namespace.keyId === null
    ? `org:${encodeURIComponent(namespace.org)}`
    : `key:${encodeURIComponent(namespace.org)}:${encodeURIComponent(namespace.keyId)}`;
  return `nexus:chat:v1:${owner}:${mode}:${fingerprint}`;
}
