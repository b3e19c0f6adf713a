import type { Database } from "bun:sqlite";
import {
  type AuditDraft, type AuditRow, auditFromRow, type ControlRow, controlFromRow, engageAudit,
  engagedFrom, inForce, liftAudit,
} from "./control-rows.ts";
import type { ControlStore, EngageInput, LiftInput } from "./control-store.ts";
import type { ControlAuditEntry, EngagedControl } from "./types.ts";

/**
 * Interval, in ms, between lazy checks of `PRAGMA data_version` on the request path. A control
 * written by another process (the CLI) therefore applies within this interval.
 */
const VERSION_CHECK_INTERVAL_MS = 100;

/**
 * The kill switches and passthrough flags in the embedded `bun:sqlite` store, with the
 * append-only audit log of every change. Engaged controls are cached in memory and reloaded
 * when `PRAGMA data_version` shows a commit by another connection, such as the CLI's.
 */
export class SqliteControlStore implements ControlStore {
  readonly #db: Database;
  readonly #dataVersion;
  #cache: EngagedControl[] = [];
  #cachedVersion = -1;
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Database) {
    this.#db = db;
    this.#dataVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
  }

  async engage(input: EngageInput): Promise<EngagedControl> {
    const now = input.now ?? Date.now();
    const engaged = engagedFrom(input, now);
    this.#db.transaction(() => {
      this.#db
        .query(
          `INSERT INTO control_switches
             (control, tier, target, reason, actor, engaged_at, expires_at)
           VALUES ($control, $tier, $target, $reason, $actor, $engagedAt, $expiresAt)
           ON CONFLICT (control, tier, target) DO UPDATE SET reason = excluded.reason,
             actor = excluded.actor, engaged_at = excluded.engaged_at,
             expires_at = excluded.expires_at`,
        )
        .run({ ...engaged });
      this.#appendAudit(engageAudit(engaged));
    }).immediate();
    this.#markStale();
    return engaged;
  }

  async lift(input: LiftInput): Promise<boolean> {
    const now = input.now ?? Date.now();
    const lifted = this.#db.transaction((): boolean => {
      const result = this.#db
        .query("DELETE FROM control_switches WHERE control = ? AND tier = ? AND target = ?")
        .run(input.control, input.scope.tier, input.scope.target);
      if (result.changes === 0) return false;
      this.#appendAudit(liftAudit(input, now));
      return true;
    }).immediate();
    this.#markStale();
    return lifted;
  }

  async list(): Promise<EngagedControl[]> {
    return this.#readAll();
  }

  #readAll(): EngagedControl[] {
    return this.#db
      .query<ControlRow, []>(
        `SELECT control, tier, target, reason, actor, engaged_at, expires_at
         FROM control_switches ORDER BY engaged_at, control, tier, target`,
      )
      .all()
      .map(controlFromRow);
  }

  async audit(limit: number): Promise<ControlAuditEntry[]> {
    return this.#db
      .query<AuditRow, [number]>(
        `SELECT id, time, actor, action, control, tier, target, reason, expires_at
         FROM control_audit ORDER BY id DESC LIMIT ?`,
      )
      .all(limit)
      .map(auditFromRow);
  }

  /**
   * Returns the controls in force at `now` from the cache. The cache is reloaded when another
   * connection committed since the last check, which runs at most every 100 ms.
   */
  engaged(now = Date.now()): EngagedControl[] {
    if (performance.now() - this.#checkedAt >= VERSION_CHECK_INTERVAL_MS) this.#checkForChanges();
    return inForce(this.#cache, now);
  }

  /**
   * Reloads the cache when any connection committed since the last check, and resolves to
   * whether the stored controls differ from the cached ones. Commits to other tables (keys,
   * events) cost one reload of this small table and resolve to false.
   */
  async refresh(): Promise<boolean> {
    return this.#checkForChanges();
  }

  #checkForChanges(): boolean {
    this.#checkedAt = performance.now();
    const version = this.#dataVersion.get()?.data_version ?? -1;
    if (version === this.#cachedVersion) return false;
    const before = JSON.stringify(this.#cache);
    this.#cache = this.#readAll();
    this.#cachedVersion = version;
    return JSON.stringify(this.#cache) !== before;
  }

  /** Forces a reload on the next read, for writes made through this connection. */
  #markStale(): void {
    this.#cachedVersion = -1;
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }

  #appendAudit(entry: AuditDraft): void {
    this.#db
      .query(
        `INSERT INTO control_audit
           (time, actor, action, control, tier, target, reason, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(entry.time, entry.actor, entry.action, entry.control, entry.tier, entry.target,
        entry.reason, entry.expiresAt);
  }
}
