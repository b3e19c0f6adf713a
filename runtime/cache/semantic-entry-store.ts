/**
 * One prompt of the semantic cache as it is persisted: its embedding and the answer it got, so
 * that a gateway node can rebuild its vector index at boot and serve the answer without the
 * exact store.
 */
export interface SemanticEntry {
  /** Exact store key of the answer, also its id in the vector index. */
  id: string;
  /** Cache scope (see `cacheScopeOf`); entries are read and removed only within it. */
  scope: string;
  /** Index partition: scope, answer mode and request shape. */
  partition: string;
  /** SHA-256 (hex) of the embedded prompt text, the unit a poison report blocks. */
  promptFingerprint: string;
  vector: Float32Array;
  /** The answer as `encodeCachedAnswer` wrote it. */
  answer: string;
  /** When the entry was stored, in ms since the epoch. */
  storedAt: number;
  /** When the entry stops being served, in ms since the epoch. */
  expiresAt: number;
}

/**
 * Storage of semantic cache entries beyond one process. The embedded backend is a SQLite table
 * in the data directory, the production one Valkey. Every read and delete names the scope, so
 * no call can reach another org's entries by id alone.
 */
export interface SemanticEntryStore {
  /** Adds or replaces the entry of `entry.id` in its scope. */
  put(entry: SemanticEntry): Promise<void>;
  /** Returns the live entry, or null when it is missing or expired at `now`. */
  get(scope: string, id: string, now: number): Promise<SemanticEntry | null>;
  /** Returns the newest `limit` entries live at `now`, oldest first, across all scopes. */
  loadLive(now: number, limit: number): Promise<SemanticEntry[]>;
  delete(scope: string, id: string): Promise<void>;
  /** Deletes the scope's entries of the prompts and returns their ids. */
  deleteByPrompt(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]>;
}

/** Returns the bytes of a vector, little-endian float32, as both backends store it. */
export function vectorBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer.slice(vector.byteOffset,
    vector.byteOffset + vector.byteLength));
}

/** Returns the vector stored as `vectorBytes`; a copy, so it owns its aligned buffer. */
export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
