import type { Sql } from "postgres";
import { KeyNameTakenError } from "../../identity/keys/key-name-taken.ts";
import type { KeySettings, KeyStore, VirtualKey } from "../../identity/keys/types.ts";

interface KeyRow {
  id: string;
  prefix: string;
  name: string | null;
  org: string;
  project: string | null;
  models: string[];
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  settings: KeySettings;
}

/** `postgres` returns bigint columns as strings, since they may exceed 2^53. */
function toMillis(value: string | null): number | null {
  return value === null ? null : Number(value);
}

function fromRow(row: KeyRow): VirtualKey {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    org: row.org,
    project: row.project,
    models: row.models,
    createdAt: Number(row.created_at),
    expiresAt: toMillis(row.expires_at),
    revokedAt: toMillis(row.revoked_at),
    settings: row.settings,
  };
}

export interface PgKeyStoreOptions {
  /**
   * How long a key found by digest is served from memory, in ms; default 1000. A key revoked
   * on another node stops working within this time, or at once on the node that revoked it or
   * that `invalidate` was called on.
   */
  cacheTtlMs?: number;
}

/** Keys cached at most; past this the cache is emptied rather than grown. */
const MAX_CACHED_KEYS = 10_000;

/**
 * Virtual keys in PostgreSQL, shared by every gateway node. Lookups by digest are cached in
 * memory for a short time, so the request path does not wait on the database every time.
 */
export class PgKeyStore implements KeyStore {
  readonly #sql: Sql;
  readonly #cacheTtlMs: number;
  readonly #cache = new Map<string, { key: VirtualKey; until: number }>();

  constructor(sql: Sql, options: PgKeyStoreOptions = {}) {
    this.#sql = sql;
    this.#cacheTtlMs = options.cacheTtlMs ?? 1000;
  }

  /** Drops every cached key; call it when another node signals a change to the keys. */
  invalidate(): void {
    this.#cache.clear();
  }

  /** Inserts the key; raises KeyNameTakenError when a live key of the org has its name. */
  async insert(key: VirtualKey, digest: string): Promise<void> {
    try {
      await this.#sql`
        INSERT INTO virtual_keys (id, digest, prefix, name, org, project, models, created_at,
          expires_at, revoked_at, settings)
        VALUES (${key.id}, ${digest}, ${key.prefix}, ${key.name}, ${key.org}, ${key.project},
          ${this.#sql.json(key.models)}, ${key.createdAt}, ${key.expiresAt}, ${key.revokedAt},
          ${this.#sql.json(key.settings as Record<string, unknown>)})`;
    } catch (error) {
      if (isNameClash(error)) {
        throw new KeyNameTakenError(key.org, key.name ?? "", { cause: error });
      }
      throw error;
    }
    this.invalidate();
  }

  async findByDigest(digest: string): Promise<VirtualKey | undefined> {
    const now = performance.now();
    const cached = this.#cache.get(digest);
    if (cached !== undefined && cached.until > now) return cached.key;

    const [row] = await this.#sql<KeyRow[]>`SELECT * FROM virtual_keys WHERE digest = ${digest}`;
    if (row === undefined) {
      // Unknown digests are not cached, so a flood of wrong keys cannot grow the map.
      this.#cache.delete(digest);
      return undefined;
    }
    const key = fromRow(row);
    if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.clear();
    this.#cache.set(digest, { key, until: now + this.#cacheTtlMs });
    return key;
  }

  async findById(id: string): Promise<VirtualKey | undefined> {
    const [row] = await this.#sql<KeyRow[]>`SELECT * FROM virtual_keys WHERE id = ${id}`;
    return row === undefined ? undefined : fromRow(row);
  }

  async list(): Promise<VirtualKey[]> {
    const rows = await this.#sql<KeyRow[]>`SELECT * FROM virtual_keys ORDER BY created_at, id`;
    return rows.map(fromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ${at}) WHERE id = ${id}`;
    this.invalidate();
    return result.count > 0;
  }
}

/** True for a violation of `virtual_keys_live_name` (migration 0007), not of the id or digest. */
function isNameClash(error: unknown): boolean {
  const fields = error as { code?: unknown; constraint_name?: unknown };
  return fields.code === "23505" && fields.constraint_name === "virtual_keys_live_name";
}
