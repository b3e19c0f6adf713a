import type { Database } from "bun:sqlite";

/**
 * Ordered schema steps; a step is never edited once released, only appended to. A step is SQL,
 * or a function for a step that must inspect the data first.
 */
const MIGRATIONS: readonly (string | ((db: Database) => void))[] = [
  `CREATE TABLE virtual_keys (
     id TEXT PRIMARY KEY,
     digest TEXT NOT NULL UNIQUE,
     prefix TEXT NOT NULL,
     name TEXT,
     org TEXT NOT NULL,
     project TEXT,
     models TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     revoked_at INTEGER
   );
   CREATE TABLE traffic_events (
     request_id TEXT PRIMARY KEY,
     time INTEGER NOT NULL,
     key_id TEXT,
     org TEXT,
     project TEXT,
     route TEXT NOT NULL,
     provider TEXT,
     model TEXT,
     upstream_model TEXT,
     stream INTEGER NOT NULL,
     status INTEGER NOT NULL,
     error_code TEXT,
     latency_ms REAL NOT NULL,
     ttft_ms REAL,
     input_tokens INTEGER,
     output_tokens INTEGER,
     cached_tokens INTEGER,
     cache_write_tokens INTEGER,
     reasoning_tokens INTEGER,
     cost_usd REAL,
     detail TEXT
   );
   CREATE INDEX traffic_events_time ON traffic_events (time);
   CREATE INDEX traffic_events_key ON traffic_events (key_id, time);`,
  `ALTER TABLE traffic_events ADD COLUMN client_request_id TEXT;
   CREATE INDEX traffic_events_client_request ON traffic_events (client_request_id)
     WHERE client_request_id IS NOT NULL;`,
  `ALTER TABLE virtual_keys ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';`,
  // Kill switches and passthrough flags in force, and the append-only log of their changes;
  // the triggers reject any UPDATE or DELETE on the log.
  `CREATE TABLE control_switches (
     control TEXT NOT NULL,
     tier TEXT NOT NULL,
     target TEXT NOT NULL,
     reason TEXT NOT NULL,
     actor TEXT NOT NULL,
     engaged_at INTEGER NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (control, tier, target)
   );
   CREATE TABLE control_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     time INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     control TEXT NOT NULL,
     tier TEXT NOT NULL,
     target TEXT NOT NULL,
     reason TEXT,
     expires_at INTEGER
   );
   CREATE TRIGGER control_audit_no_update BEFORE UPDATE ON control_audit
   BEGIN SELECT RAISE(ABORT, 'control_audit is append-only'); END;
   CREATE TRIGGER control_audit_no_delete BEFORE DELETE ON control_audit
   BEGIN SELECT RAISE(ABORT, 'control_audit is append-only'); END;`,
  // Captured bodies: inline parts, their metadata, and a flag that stays 1 until retention
  // deletes them, so the pruning query reads only rows that still hold bodies.
  `ALTER TABLE traffic_events ADD COLUMN request_body BLOB;
   ALTER TABLE traffic_events ADD COLUMN response_body BLOB;
   ALTER TABLE traffic_events ADD COLUMN body_capture TEXT;
   ALTER TABLE traffic_events ADD COLUMN bodies_kept INTEGER;
   CREATE INDEX traffic_events_bodies_kept ON traffic_events (time) WHERE bodies_kept = 1;`,
  // Quota spend per axis value and window, in buckets of 1/60 of the window (bucket = its
  // start, ms since the epoch), and the soft-limit alerts raised.
  `CREATE TABLE quota_buckets (
     axis TEXT NOT NULL,
     value TEXT NOT NULL,
     window TEXT NOT NULL,
     bucket INTEGER NOT NULL,
     tokens INTEGER NOT NULL,
     usd REAL NOT NULL,
     PRIMARY KEY (axis, value, window, bucket)
   ) WITHOUT ROWID;
   CREATE TABLE quota_alerts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     time INTEGER NOT NULL,
     axis TEXT NOT NULL,
     match TEXT NOT NULL,
     value TEXT NOT NULL,
     window TEXT NOT NULL,
     unit TEXT NOT NULL,
     limit_amount REAL NOT NULL,
     used REAL NOT NULL
   );
   CREATE INDEX quota_alerts_counter ON quota_alerts (axis, value, window, unit, time);`,
  // Prompts reported as bad answers, by cache scope; the chat cache never stores them again.
  `CREATE TABLE cache_poisoned_prompts (
     scope TEXT NOT NULL,
     prompt_fingerprint TEXT NOT NULL,
     reported_at INTEGER NOT NULL,
     PRIMARY KEY (scope, prompt_fingerprint)
   ) WITHOUT ROWID;`,
  // Semantic cache entries (embedding and answer) so a restarted gateway rebuilds its index,
  // and the answer each request got, so a report by request id works after a restart. Rows
  // expire with the cache TTL and are pruned by `expires_at`.
  `CREATE TABLE cache_semantic_entries (
     scope TEXT NOT NULL,
     id TEXT NOT NULL,
     partition TEXT NOT NULL,
     prompt_fingerprint TEXT NOT NULL,
     vector BLOB NOT NULL,
     answer TEXT NOT NULL,
     stored_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (scope, id)
   ) WITHOUT ROWID;
   CREATE INDEX cache_semantic_entries_expiry ON cache_semantic_entries (expires_at);
   CREATE INDEX cache_semantic_entries_prompt
     ON cache_semantic_entries (scope, prompt_fingerprint);
   CREATE TABLE cache_served_requests (
     request_id TEXT PRIMARY KEY,
     scope TEXT NOT NULL,
     store_key TEXT NOT NULL,
     prompt_fingerprint TEXT NOT NULL,
     stored_prompt_fingerprint TEXT,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX cache_served_requests_expiry ON cache_served_requests (expires_at);`,
  // Start records of requests whose final event has not arrived, for a bus writer that stores
  // into this database: it turns an entry into a `gateway_lost` event when its node dies.
  `CREATE TABLE open_requests (
     request_id TEXT PRIMARY KEY,
     node_id TEXT NOT NULL,
     time INTEGER NOT NULL,
     record TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX open_requests_time ON open_requests (time);`,
  // One live key per (org, name), because `keyRouting` matches keys by org and name and two
  // concurrent creates could both pass the check in `createVirtualKey`.
  addKeyNameIndex,
];

/** Schema version (`user_version`) once the unique index on live key names is applied. */
export const KEY_NAME_INDEX_VERSION = MIGRATIONS.indexOf(addKeyNameIndex) + 1;

/**
 * Adds the unique index on the names of live keys. Revoked and unnamed keys stay out of it, so
 * a name can be reused after a revoke. A file that already contains two live keys with one name
 * fails the step with an error that lists them, because picking which key keeps its name would
 * change which client a `keyRouting` entry applies to.
 */
function addKeyNameIndex(db: Database): void {
  const clashes = db.query<{ org: string; name: string; ids: string }, []>(
    `SELECT org, name, group_concat(id, ', ') AS ids FROM (
       SELECT org, name, id FROM virtual_keys
        WHERE revoked_at IS NULL AND name IS NOT NULL ORDER BY created_at, id)
      GROUP BY org, name HAVING count(*) > 1`,
  ).all();
  if (clashes.length > 0) {
    const listed = clashes.map((clash) => `org "${clash.org}" name "${clash.name}": keys ` +
      clash.ids).join("; ");
    throw new Error("cannot add the unique index on live key names: several live keys share a " +
      `name (${listed}). Revoke all but one key of each name with sqlite3 (UPDATE virtual_keys ` +
      "SET revoked_at = <epoch ms> WHERE id = '<key id>'), then start again");
  }
  db.exec(`CREATE UNIQUE INDEX virtual_keys_live_name ON virtual_keys (org, name)
    WHERE revoked_at IS NULL AND name IS NOT NULL`);
}

/**
 * Applies the steps not yet recorded in `user_version`. Each step runs in an IMMEDIATE
 * transaction that re-reads the version, so a CLI and a gateway starting together never apply
 * one step twice. `toVersion` stops at an earlier version, for upgrade tests.
 */
export function migrateEmbedded(db: Database, toVersion = MIGRATIONS.length): void {
  const applyNext = db.transaction((): boolean => {
    const row = db.query("PRAGMA user_version").get() as { user_version: number };
    if (row.user_version >= toVersion) return false;
    const step = MIGRATIONS[row.user_version];
    if (step === undefined) return false;
    if (typeof step === "string") db.exec(step);
    else step(db);
    db.exec(`PRAGMA user_version = ${row.user_version + 1}`);
    return true;
  });
  while (applyNext.immediate()) {
    // Each pass applies one step; the loop ends when the schema is current.
  }
}
