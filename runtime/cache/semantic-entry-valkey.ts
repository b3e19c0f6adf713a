import { randomUUID } from "node:crypto";
import { openValkey, type ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type {
  SemanticChange, SemanticChangeBatch, SemanticChangeLog,
} from "./semantic-change-log.ts";
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
 * Changes the log keeps, about 150 bytes each. A node that falls further behind (a long
 * Valkey outage) finds the gap and reloads every live entry.
 */
const DEFAULT_CHANGE_LOG_MAX = 100_000;

export interface ValkeySemanticEntryOptions {
  /** Id recorded with each change, so a node can skip its own; default a random UUID. */
  origin?: string;
  /** Changes kept in the change log; older ones are trimmed. */
  changeLogMax?: number;
}

/**
 * Keeps semantic cache entries in Valkey (or Redis 7), shared by every gateway node. Under
 * the key prefix it writes `entry:<scope>:<id>` (the entry, expiring with it), `prompt:<scope>:
 * <fingerprint>` (a set of ids, for removal by prompt), `live` (a sorted set of entry keys
 * scored by expiry, for the boot load) and `changes` (a stream of every put and delete, read
 * by running nodes through `readChanges`). Scope and id are URI-encoded in key names, so no
 * scope's keys can be named from another scope.
 */
export class ValkeySemanticEntryStore implements SemanticEntryStore, SemanticChangeLog {
  readonly #client: ValkeyClient;
  readonly #prefix: string;
  /** Id of this store in the change log. */
  readonly origin: string;
  readonly #changeLogMax: number;

  constructor(client: ValkeyClient, prefix: string, options: ValkeySemanticEntryOptions = {}) {
    this.#client = client;
    this.#prefix = prefix;
    this.origin = options.origin ?? randomUUID();
    this.#changeLogMax = options.changeLogMax ?? DEFAULT_CHANGE_LOG_MAX;
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
      .xadd(...this.#changeArgs("put", entry.scope, entry.id))
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
      .zrem(this.#liveKey(), JSON.stringify([scope, id]))
      .xadd(...this.#changeArgs("delete", scope, id));
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
        multi.del(this.#entryKey(scope, id)).zrem(this.#liveKey(), JSON.stringify([scope, id]))
          .xadd(...this.#changeArgs("delete", scope, id));
      }
      await multi.exec();
      removed.push(...ids);
    }
    return removed;
  }

  async changeCursor(): Promise<string> {
    const [newest] = await this.#client.xrevrange(this.#changesKey(), "+", "-", "COUNT", 1);
    return newest?.[0] ?? "0-0";
  }

  async readChanges(after: string, limit: number): Promise<SemanticChangeBatch> {
    const records = await this.#client.xrange(this.#changesKey(), `(${after}`, "+",
      "COUNT", limit);
    const changes: SemanticChange[] = [];
    for (const [, fields] of records) {
      const change = changeOf(fields);
      if (change !== null) changes.push(change);
    }
    const cursor = records.at(-1)?.[0] ?? after;
    return { changes, cursor, gap: await this.#trimmedPast(after) };
  }

  close(): void {
    this.#client.disconnect();
  }

  /** True when the oldest change kept is newer than `after`, whose record was trimmed. */
  async #trimmedPast(after: string): Promise<boolean> {
    if (after === "0-0") return false;
    const [oldest] = await this.#client.xrange(this.#changesKey(), "-", "+", "COUNT", 1);
    return oldest !== undefined && compareStreamIds(oldest[0], after) > 0;
  }

  #changeArgs(op: SemanticChange["op"], scope: string, id: string): [string, ...string[]] {
    return [this.#changesKey(), "MAXLEN", "~", String(this.#changeLogMax), "*",
      "op", op, "scope", scope, "id", id, "origin", this.origin];
  }

  #changesKey(): string {
    return `${this.#prefix}changes`;
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

/** Reads a change record's field list; a record of an unknown shape is skipped. */
function changeOf(fields: string[]): SemanticChange | null {
  const values = new Map<string, string>();
  for (let at = 0; at + 1 < fields.length; at += 2) values.set(fields[at]!, fields[at + 1]!);
  const op = values.get("op");
  const scope = values.get("scope");
  const id = values.get("id");
  const origin = values.get("origin");
  if ((op !== "put" && op !== "delete") || scope === undefined || id === undefined ||
    origin === undefined) return null;
  return { op, scope, id, origin };
}

/** Orders two stream ids (`<ms>-<sequence>`) as numbers. */
function compareStreamIds(left: string, right: string): number {
  const [leftMs, leftSeq] = left.split("-").map(BigInt) as [bigint, bigint];
  const [rightMs, rightSeq] = right.split("-").map(BigInt) as [bigint, bigint];
  if (leftMs !== rightMs) return leftMs < rightMs ? -1 : 1;
  if (leftSeq === rightSeq) return 0;
  return leftSeq < rightSeq ? -1 : 1;
}
