import type { Sql, TransactionSql } from "postgres";
import type { ControlStore, EngageInput, LiftInput } from "../../controls/control-store.ts";
import type {
  ControlAuditEntry, ControlName, ControlTier, EngagedControl,
} from "../../controls/types.ts";

interface ControlRow {
  control: ControlName;
  tier: ControlTier;
  target: string;
  reason: string;
  actor: string;
  engaged_at: string;
  expires_at: string | null;
}

interface AuditRow {
  id: string;
  time: string;
  actor: string;
  action: "engage" | "lift";
  control: ControlName;
  tier: ControlTier;
  target: string;
  reason: string | null;
  expires_at: string | null;
}

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
    const engaged: EngagedControl = {
      control: input.control,
      tier: input.scope.tier,
      target: input.scope.target,
      reason: input.reason,
      actor: input.actor,
      engagedAt: now,
      expiresAt: input.expiresAt ?? null,
    };
    await this.#sql.begin(async (tx) => {
      await tx`
        INSERT INTO control_switches
          (control, tier, target, reason, actor, engaged_at, expires_at)
        VALUES (${engaged.control}, ${engaged.tier}, ${engaged.target}, ${engaged.reason},
          ${engaged.actor}, ${now}, ${engaged.expiresAt})
        ON CONFLICT (control, tier, target) DO UPDATE SET reason = excluded.reason,
          actor = excluded.actor, engaged_at = excluded.engaged_at,
          expires_at = excluded.expires_at`;
      await appendAudit(tx, "engage", { ...engaged, time: now });
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
      await appendAudit(tx, "lift", {
        control: input.control,
        tier: input.scope.tier,
        target: input.scope.target,
        reason: input.reason ?? null,
        actor: input.actor,
        expiresAt: null,
        time: now,
      });
      return true;
    });
    await this.refresh();
    return lifted;
  }

  async list(): Promise<EngagedControl[]> {
    const rows = await this.#sql<ControlRow[]>`
      SELECT control, tier, target, reason, actor, engaged_at, expires_at
      FROM control_switches ORDER BY engaged_at, control, tier, target`;
    return rows.map(fromRow);
  }

  async audit(limit: number): Promise<ControlAuditEntry[]> {
    const rows = await this.#sql<AuditRow[]>`
      SELECT id, time, actor, action, control, tier, target, reason, expires_at
      FROM control_audit ORDER BY id DESC LIMIT ${limit}`;
    return rows.map((row) => ({
      id: Number(row.id),
      time: Number(row.time),
      actor: row.actor,
      action: row.action,
      control: row.control,
      tier: row.tier,
      target: row.target,
      reason: row.reason,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    }));
  }

  engaged(now = Date.now()): EngagedControl[] {
    return this.#snapshot.filter(
      (control) => control.expiresAt === null || control.expiresAt > now);
  }

  /** Reloads the snapshot from the table, which has a few rows at most. */
  async refresh(): Promise<boolean> {
    const before = JSON.stringify(this.#snapshot);
    this.#snapshot = await this.list();
    return JSON.stringify(this.#snapshot) !== before;
  }
}

async function appendAudit(
  tx: TransactionSql,
  action: "engage" | "lift",
  entry: Omit<EngagedControl, "engagedAt" | "reason"> & { reason: string | null; time: number },
): Promise<void> {
  await tx`
    INSERT INTO control_audit (time, actor, action, control, tier, target, reason, expires_at)
    VALUES (${entry.time}, ${entry.actor}, ${action}, ${entry.control}, ${entry.tier},
      ${entry.target}, ${entry.reason}, ${entry.expiresAt})`;
}

function fromRow(row: ControlRow): EngagedControl {
  return {
    control: row.control,
    tier: row.tier,
    target: row.target,
    reason: row.reason,
    actor: row.actor,
    engagedAt: Number(row.engaged_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}
