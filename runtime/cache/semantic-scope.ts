import type { CacheNamespace } from "./chat-cache-key.ts";

/**
 * Returns the scope string of a namespace: answers, semantic entries and reported prompts of
 * one scope are never visible to another.
 */
export function cacheScopeOf(namespace: CacheNamespace): string {
  return namespace.keyId === null
    ? `org:${encodeURIComponent(namespace.org)}`
    : `key:${encodeURIComponent(namespace.org)}:${encodeURIComponent(namespace.keyId)}`;
}
