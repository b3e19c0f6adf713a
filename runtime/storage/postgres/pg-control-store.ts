import type { Sql, TransactionSql } from "postgres";
import {
  type AuditDraft, type AuditRow, auditFromRow, type ControlRow, controlFromRow, engageAudit,
  engagedFrom, inForce, liftAudit,
} from "../../controls/control-rows.ts";
import type { ControlStore, EngageInput, LiftInput } from "../../controls/control-store.ts";
import type { ControlAuditEntry, EngagedControl } from "../../controls/types.ts";

/**
 * The kill switches and passthrough flags in PostgreSQL, shared by every gateway node, with the
 * append-only audit log of every change (a trigger rejects UPDATE, DELETE and TRUNCATE on it).
 * `engaged` reads a snapshot in memory. The snapshot is empty until the first `refresh`, which
 * `PgControlStore.open` runs, and it shows other nodes' changes only after a `refresh`.
 */
export class PgControlStore implements ControlStore {
  readonly #sql: Sql;
  #snapshot: EngagedControl[] = [];

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Builds the store and loads its first snapshot. */
  static async open(sql: Sql): Promise<PgControlStore> {
    const store = new PgControlStore(sql);
    await store.refresh();
    return store;
  }

  async engage(input: EngageInput): Promise<EngagedControl> {
    const now = input.now ?? Date.now();
    const engaged = engagedFrom(input, now);
    await this.#sql.begin(async (tx) => {
      await tx`
        INSERT INTO control_switches
          (control, tier, target, reason, actor, engaged_at, expires_at)
        VALUES (${engaged.control}, ${engaged.tier}, ${engaged.target}, ${engaged.reason},
          ${engaged.actor}, ${now}, ${engaged.expiresAt})
        ON CONFLICT (control, tier, target) DO UPDATE SET reason = excluded.reason,
          actor = excluded.actor, engaged_at = excluded.engaged_at,
          expires_at = excluded.expires_at`;
      await appendAudit(tx, engageAudit(engaged));
    });
    await this.refresh();
    return engaged;
  }

  async lift(input: LiftInput): Promise<boolean> {
    const now = input.now ?? Date.now();
    const lifted = await this.#sql.begin(async (tx) => {
      const deleted = await tx`
        DELETE FROM control_switches WHERE control = ${input.control}
          AND tier = ${input.scope.tier} AND target = ${input.scope.target}`;
      if (deleted.count === 0) return false;
      await appendAudit(tx, liftAudit(input, now));
      return true;
    });
    await this.refresh();
    return lifted;
  }

  async list(): Promise<EngagedControl[]> {
    const rows = await this.#sql<ControlRow[]>`
      SELECT control, tier, target, reason, actor, engaged_at, expires_at
      FROM control_switches ORDER BY engaged_at, control, tier, target`;
    return rows.map(controlFromRow);
  }

  async audit(limit: number): Promise<ControlAuditEntry[]> {
    const rows = await this.#sql<AuditRow[]>`
      SELECT id, time, actor, action, control, tier, target, reason, expires_at
      FROM control_audit ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(auditFromRow);
  }

  engaged(now = Date.now()): EngagedControl[] {
    return inForce(this.#snapshot, now);
  }

  /** Reloads the snapshot from the table, which has a few rows at most. */
  async refresh(): Promise<boolean> {
    const before = JSON.stringify(this.#snapshot);
    this.#snapshot = await this.list();
    return JSON.stringify(this.#snapshot) !== before;
  }
}

async function appendAudit(tx: TransactionSql, entry: AuditDraft): Promise<void> {
  await tx`
    INSERT INTO control_audit (time, actor, action, control, tier, target, reason, expires_at)
    VALUES (${entry.time}, ${entry.actor}, ${entry.action}, ${entry.control}, ${entry.tier},
      ${entry.target}, ${entry.reason}, ${entry.expiresAt})`;
}
