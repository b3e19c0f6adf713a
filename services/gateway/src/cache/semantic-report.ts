import type { ChatCache } from "./chat-cache.ts";

/**
 * Removes the scope's stored answers to the reported prompts, from the exact store, the
 * semantic index and the persisted semantic entries, and blocks those prompts from being
 * stored again in the scope. `storeKeys` are answers known to be reported even when this
 * process did not store them. Returns how many of the answers were still stored.
 */
export async function removeReported(
  cache: ChatCache,
  scope: string,
  promptFingerprints: ReadonlySet<string>,
  storeKeys: readonly string[] = [],
): Promise<number> {
  const stored = await cache.guard.storeKeysOf(scope, promptFingerprints);
  const keys = new Set([...storeKeys, ...stored]);
  for (const fingerprint of promptFingerprints) await cache.guard.poison(scope, fingerprint);

  const removed = new Set<string>();
  const entries = cache.semantic?.entries ?? null;
  if (entries !== null) {
    for (const id of await entries.deleteByPrompt(scope, promptFingerprints)) {
      removed.add(id);
      cache.semantic?.index.remove(id);
    }
  }

  for (const key of keys) {
    if ((await cache.store.get(key)) !== null) removed.add(key);
    await cache.store.delete(key);
    await entries?.delete(scope, key);
    cache.semantic?.index.remove(key);
    cache.guard.forget(key);
  }
  return removed.size;
}
