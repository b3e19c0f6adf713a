import type { Sql } from "postgres";

/** One pushed gateway config, as stored in `config_documents`. */
export interface ConfigDocument {
  id: number;
  /** Hex SHA-256 of `body`, which names the version in logs and in `nexus config show`. */
  sha256: string;
  /** The YAML (or JSON) text exactly as pushed. */
  body: string;
  pushedAt: Date;
  actor: string;
}

/** Hex SHA-256 of a config document's text. */
export function configSha256(body: string): string {
  return new Bun.CryptoHasher("sha256").update(body).digest("hex");
}

/** The append-only history of pushed gateway configs; the newest row is the active one. */
export class PgConfigDocuments {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async push(body: string, actor: string): Promise<ConfigDocument> {
    const rows = await this.#sql<DocumentRow[]>`
      INSERT INTO config_documents (sha256, body, actor)
      VALUES (${configSha256(body)}, ${body}, ${actor})
      RETURNING id, sha256, body, pushed_at, actor`;
    return toDocument(rows[0]!);
  }

  /** The newest pushed document, or null when none was ever pushed. */
  async latest(): Promise<ConfigDocument | null> {
    const rows = await this.#sql<DocumentRow[]>`
      SELECT id, sha256, body, pushed_at, actor FROM config_documents
      ORDER BY id DESC LIMIT 1`;
    return rows[0] === undefined ? null : toDocument(rows[0]);
  }

  /** The newest document pushed before version `id`, or null when there is none. */
  async before(id: number): Promise<ConfigDocument | null> {
    const rows = await this.#sql<DocumentRow[]>`
      SELECT id, sha256, body, pushed_at, actor FROM config_documents
      WHERE id < ${id} ORDER BY id DESC LIMIT 1`;
    return rows[0] === undefined ? null : toDocument(rows[0]);
  }
}

interface DocumentRow {
  id: string | number;
  sha256: string;
  body: string;
  pushed_at: Date;
  actor: string;
}

function toDocument(row: DocumentRow): ConfigDocument {
  return {
    id: Number(row.id),
    sha256: row.sha256,
    body: row.body,
    pushedAt: row.pushed_at,
    actor: row.actor,
  };
}
