import type { Database } from "bun:sqlite";
import { KeyNameTakenError } from "./key-name-taken.ts";
import type { KeySettings, KeyStore, VirtualKey } from "./types.ts";

interface KeyRow {
  id: string;
  prefix: string;
  name: string | null;
  org: string;
  project: string | null;
  models: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  settings: string;
}

function fromRow(row: KeyRow): VirtualKey {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    org: row.org,
    project: row.project,
    models: JSON.parse(row.models) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    settings: JSON.parse(row.settings) as KeySettings,
  };
}

/**
 * Interval, in ms, between checks for commits by another connection. Each check is a SQLite
 * statement like the lookup it saves, so it runs at most this often. A key revoked by the CLI
 * therefore stops working within this interval, not always on the very next request.
 */
const VERSION_CHECK_INTERVAL_MS = 100;

const COLUMNS =
  "id, prefix, name, org, project, models, created_at, expires_at, revoked_at, settings";

/**
 * Virtual keys in the embedded `bun:sqlite` store. Lookups by digest are cached in memory. The
 * cache is dropped when `PRAGMA data_version` shows a commit by another connection, such as a
 * CLI creating or revoking a key.
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: Database;
  readonly #byDigest;
  readonly #byId;
  readonly #dataVersion;
  readonly #cache = new Map<string, VirtualKey | undefined>();
  #cachedVersion = -1;
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Database) {
    this.#db = db;
    this.#dataVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
    this.#byDigest = db.query<KeyRow, [string]>(
      `SELECT ${COLUMNS} FROM virtual_keys WHERE digest = ?`,
    );
    this.#byId = db.query<KeyRow, [string]>(`SELECT ${COLUMNS} FROM virtual_keys WHERE id = ?`);
  }

  /** Inserts the key; raises KeyNameTakenError when a live key of the org has its name. */
  async insert(key: VirtualKey, digest: string): Promise<void> {
    try {
      this.#insertRow(key, digest);
    } catch (error) {
      if (isNameClash(error)) {
        throw new KeyNameTakenError(key.org, key.name ?? "", { cause: error });
      }
      throw error;
    }
    this.#cache.clear();
  }

  #insertRow(key: VirtualKey, digest: string): void {
    this.#db
      .query(
        `INSERT INTO virtual_keys (${COLUMNS}, digest)
         VALUES ($id, $prefix, $name, $org, $project, $models, $created, $expires, $revoked,
                 $settings, $digest)`,
      )
      .run({
        id: key.id,
        prefix: key.prefix,
        name: key.name,
        org: key.org,
        project: key.project,
        models: JSON.stringify(key.models),
        created: key.createdAt,
        expires: key.expiresAt,
        revoked: key.revokedAt,
        settings: JSON.stringify(key.settings),
        digest,
      });
  }

  async findByDigest(digest: string): Promise<VirtualKey | undefined> {
    const now = performance.now();
    if (now - this.#checkedAt >= VERSION_CHECK_INTERVAL_MS) {
      this.#checkedAt = now;
      const version = this.#dataVersion.get()?.data_version ?? -1;
      if (version !== this.#cachedVersion) {
        this.#cache.clear();
        this.#cachedVersion = version;
      }
    }
    if (this.#cache.has(digest)) return this.#cache.get(digest);

    const row = this.#byDigest.get(digest);
    const key = row === null ? undefined : fromRow(row);
    // Unknown digests are not cached, so a flood of wrong keys cannot grow the map.
    if (key !== undefined) this.#cache.set(digest, key);
    return key;
  }

  async findById(id: string): Promise<VirtualKey | undefined> {
    const row = this.#byId.get(id);
    return row === null ? undefined : fromRow(row);
  }

  async list(): Promise<VirtualKey[]> {
    return this.#db
      .query<KeyRow, []>(`SELECT ${COLUMNS} FROM virtual_keys ORDER BY created_at, id`)
      .all()
      .map(fromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = this.#db
      .query("UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
      .run(at, id);
    this.#cache.clear();
    return result.changes > 0;
  }
}

/** True for a violation of the unique index on live key names, not of the id or digest. */
function isNameClash(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code ===
    "SQLITE_CONSTRAINT_UNIQUE" && error.message.includes("virtual_keys.name");
}
