import type { ChatRequest } from "../canonical/chat.ts";
import {
  answerCacheKey,
  type CacheNamespace,
  type CacheTarget,
  hashSubject,
  shapingFields,
} from "./answer-cache-key.ts";

export type { CacheNamespace, CacheTarget };

/**
 * Request fields that do not shape the answer, so requests that differ only in them share a
 * cached answer. `stream` and `stream_options` change the framing, which the gateway rebuilds
 * per request (JSON and stream answers are still stored apart, see `chatCacheKey`); `user` and
 * `metadata` are attribution. Every other field, including unknown pass-through ones, counts.
 */
export const IGNORED_CHAT_FIELDS = ["stream", "stream_options", "user", "metadata"] as const;

/**
 * Returns the SHA-256 (hex) of the canonical serialization of everything that shapes the
 * answer: the resolved provider and upstream model, and every request field except
 * `IGNORED_CHAT_FIELDS`. The client's model name stays in, because the answer echoes it.
 */
export function chatFingerprint(request: ChatRequest, target: CacheTarget): string {
  return hashSubject({
    provider: target.providerId,
    upstream_model: target.upstreamModel,
    request: shapingFields({ ...request }, IGNORED_CHAT_FIELDS),
  });
}

/** Returns the store key of a chat answer (see `answerCacheKey`). */
export function chatCacheKey(
  fingerprint: string,
  namespace: CacheNamespace,
  mode: "json" | "stream",
): string {
  return answerCacheKey("chat", fingerprint, namespace, mode);
}
