import type { ChatCache } from "./chat-cache.ts";

/**
 * Removes the scope's stored answers to the reported prompts, from the exact store and the
 * semantic index, and blocks those prompts from being stored again in the scope. `storeKeys`
 * are answers known to be reported even when this process did not store them. Returns how
 * many of the answers were still stored.
 */
export async function removeReported(
  cache: ChatCache,
  scope: string,
  promptFingerprints: ReadonlySet<string>,
  storeKeys: readonly string[] = [],
): Promise<number> {
  const keys = new Set([...storeKeys, ...cache.guard.storeKeysOf(scope, promptFingerprints)]);
  for (const fingerprint of promptFingerprints) cache.guard.poison(scope, fingerprint);

  let removed = 0;
  for (const key of keys) {
    if ((await cache.store.get(key)) !== null) removed += 1;
    await cache.store.delete(key);
    cache.semantic?.index.remove(key);
    cache.guard.forget(key);
  }
  return removed;
}
