import { openValkey, type ValkeyClient } from "../storage/valkey/open-valkey.ts";
import {
  type SemanticEntry,
  type SemanticEntryStore,
  vectorBytes,
  vectorFromBytes,
} from "./semantic-entry-store.ts";

/** An entry as stored under its Valkey key; the vector is base64 of its float32 bytes. */
interface StoredEntry {
  partition: string;
  promptFingerprint: string;
  vector: string;
  answer: string;
  storedAt: number;
  expiresAt: number;
}

/**
 * Keeps semantic cache entries in Valkey (or Redis 7), shared by every gateway node. Under
 * the key prefix it writes `entry:<scope>:<id>` (the entry, expiring with it), `prompt:<scope>:
 * <fingerprint>` (a set of ids, for removal by prompt) and `live` (a sorted set of entry keys
 * scored by expiry, for the boot load). Scope and id are URI-encoded in key names, so no
 * scope's keys can be named from another scope.
 */
export class ValkeySemanticEntryStore implements SemanticEntryStore {
  readonly #client: ValkeyClient;
  readonly #prefix: string;

  constructor(client: ValkeyClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** Connects to `url`, such as `redis://127.0.0.1:6379`, and uses keys under `prefix`. */
  static async open(url: string, prefix: string): Promise<ValkeySemanticEntryStore> {
    return new ValkeySemanticEntryStore(await openValkey(url), prefix);
  }

  async put(entry: SemanticEntry): Promise<void> {
    const stored: StoredEntry = {
      partition: entry.partition,
      promptFingerprint: entry.promptFingerprint,
      vector: Buffer.from(vectorBytes(entry.vector)).toString("base64"),
      answer: entry.answer,
      storedAt: entry.storedAt,
      expiresAt: entry.expiresAt,
    };
    const entryKey = this.#entryKey(entry.scope, entry.id);
    const promptKey = this.#promptKey(entry.scope, entry.promptFingerprint);
    await this.#client.multi()
      .set(entryKey, JSON.stringify(stored), "PXAT", entry.expiresAt)
      .sadd(promptKey, entry.id)
      .pexpireat(promptKey, entry.expiresAt)
      .zadd(this.#liveKey(), entry.expiresAt, JSON.stringify([entry.scope, entry.id]))
      // Members of expired entries go here, so the sorted set stays bounded by the TTL.
      .zremrangebyscore(this.#liveKey(), "-inf", entry.storedAt)
      .exec();
  }

  async get(scope: string, id: string, now: number): Promise<SemanticEntry | null> {
    const value = await this.#client.get(this.#entryKey(scope, id));
    return value === null ? null : liveEntry(scope, id, value, now);
  }

  async loadLive(now: number, limit: number): Promise<SemanticEntry[]> {
    await this.#client.zremrangebyscore(this.#liveKey(), "-inf", now);
    const members = await this.#client.zrevrangebyscore(this.#liveKey(), "+inf", `(${now}`,
      "LIMIT", 0, limit);
    if (members.length === 0) return [];

    const names = members.map((member) => JSON.parse(member) as [string, string]);
    const values = await this.#client.mget(names.map(([scope, id]) => this.#entryKey(scope, id)));
    const entries: SemanticEntry[] = [];
    names.forEach(([scope, id], at) => {
      const value = values[at];
      const entry = value === null || value === undefined ? null : liveEntry(scope, id, value, now);
      if (entry !== null) entries.push(entry);
    });
    return entries.sort((a, b) => a.storedAt - b.storedAt);
  }

  async delete(scope: string, id: string): Promise<void> {
    const value = await this.#client.get(this.#entryKey(scope, id));
    const multi = this.#client.multi()
      .del(this.#entryKey(scope, id))
      .zrem(this.#liveKey(), JSON.stringify([scope, id]));
    if (value !== null) {
      const stored = JSON.parse(value) as StoredEntry;
      multi.srem(this.#promptKey(scope, stored.promptFingerprint), id);
    }
    await multi.exec();
  }

  async deleteByPrompt(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const fingerprint of promptFingerprints) {
      const promptKey = this.#promptKey(scope, fingerprint);
      const ids = await this.#client.smembers(promptKey);
      const multi = this.#client.multi().del(promptKey);
      for (const id of ids) {
        multi.del(this.#entryKey(scope, id)).zrem(this.#liveKey(), JSON.stringify([scope, id]));
      }
      await multi.exec();
      removed.push(...ids);
    }
    return removed;
  }

  close(): void {
    this.#client.disconnect();
  }

  #entryKey(scope: string, id: string): string {
    return `${this.#prefix}entry:${encodeURIComponent(scope)}:${encodeURIComponent(id)}`;
  }

  #promptKey(scope: string, fingerprint: string): string {
    return `${this.#prefix}prompt:${encodeURIComponent(scope)}:${encodeURIComponent(fingerprint)}`;
  }

  #liveKey(): string {
    return `${this.#prefix}live`;
  }
}

function liveEntry(scope: string, id: string, value: string, now: number): SemanticEntry | null {
  const stored = JSON.parse(value) as StoredEntry;
  if (stored.expiresAt <= now) return null;
  return {
    id,
    scope,
    partition: stored.partition,
    promptFingerprint: stored.promptFingerprint,
    vector: vectorFromBytes(Buffer.from(stored.vector, "base64")),
    answer: stored.answer,
    storedAt: stored.storedAt,
    expiresAt: stored.expiresAt,
  };
}
