import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { parseConfigText } from "../runtime/config/load.ts";
import {
  keepNodeLocal, NODE_LOCAL_FIELDS, nodeLocalFieldsSet,
} from "../runtime/config/node-local.ts";
import { PgConfigDocuments } from "../runtime/storage/postgres/pg-config-documents.ts";
import {
  connectPostgres, productionSettings,
} from "../services/gateway/src/backends/production-services.ts";
import { actorName } from "./kill.ts";
import { type CliStore, openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** `nexus config push FILE|show`: the gateway config every production node runs. */
export async function runConfig(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      actor: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const action = positionals[0];
  if (action !== "push" && action !== "show") {
    throw new UsageError("config needs an action: push FILE or show");
  }
  if (action === "push" && positionals[1] === undefined) {
    throw new UsageError("config push needs the FILE to push");
  }

  const cli = await openCliStore(values.config);
  try {
    if (cli.mode !== "production") {
      throw new UsageError("config push and show need the storage section (PostgreSQL, " +
        "Valkey and NATS); on the embedded store each gateway reads its own file");
    }
    const sql = await connectPostgres(productionSettings(cli.loaded), { max: 1 });
    try {
      const documents = new PgConfigDocuments(sql);
      if (action === "show") return await show(documents, values.json);
      return await push(cli, documents, positionals[1]!, actorName(values.actor));
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    await cli.close();
  }
}

/**
 * Validates FILE as a gateway boot would, and again with this CLI's own node-local fields
 * (storage, keySecretEnv and the others) in place of FILE's, as a node merges it. Stores it and
 * signals every node. The node-local fields it sets are stored as written, and every node keeps
 * its own values.
 */
async function push(cli: CliStore, documents: PgConfigDocuments, file: string,
  actor: string): Promise<number> {
  const source = Bun.file(file);
  if (!(await source.exists())) throw new UsageError(`config file not found: ${file}`);
  const body = await source.text();
  parseConfigText(body, file);

  // Parsed again at the running config's path, so that a relative dataDir resolves as a node's.
  const next = parseConfigText(body, cli.loaded.path);
  keepNodeLocal(next, cli.loaded);

  const document = await documents.push(body, actor);
  await cli.notify("config");
  process.stdout.write(`config pushed: ${document.sha256} (version ${document.id})\n`);
  const nodeLocal = nodeLocalFieldsSet(next.config);
  if (nodeLocal.length > 0) {
    process.stdout.write(`node-local fields not applied (each node keeps its own file's ` +
      `values): ${nodeLocal.join(", ")}\n`);
  }
  return 0;
}

/**
 * Prints the newest pushed version and which of its fields the nodes share. Every node runs it
 * unless that node logged `config.reload_rejected` or `config.boot_fallback` for it.
 */
async function show(documents: PgConfigDocuments, json: boolean): Promise<number> {
  const document = await documents.latest();
  const nodeLocal = document === null ? [] : nodeLocalFieldsIn(document.body);
  if (json) {
    process.stdout.write(`${JSON.stringify(document === null ? null : {
      id: document.id,
      sha256: document.sha256,
      pushedAt: document.pushedAt.toISOString(),
      actor: document.actor,
      nodeLocalFields: NODE_LOCAL_FIELDS,
      notAppliedFields: nodeLocal,
    })}\n`);
    return 0;
  }
  if (document === null) {
    process.stdout.write("no config pushed; each gateway runs its own config file\n");
    return 0;
  }
  process.stdout.write(`newest version ${document.id}  sha256 ${document.sha256}\n` +
    `pushed ${document.pushedAt.toISOString()} by ${document.actor}\n` +
    "every node runs it, except a node that logs config.reload_rejected or " +
    "config.boot_fallback for it\n" +
    "shared by every node: all fields except the node-local ones\n" +
    `node-local (each node keeps its own file's values): ${NODE_LOCAL_FIELDS.join(", ")}\n`);
  if (nodeLocal.length > 0) {
    process.stdout.write(`set in this version but not applied: ${nodeLocal.join(", ")}\n`);
  }
  return 0;
}

/** Lists the node-local fields a stored document sets, or none when it is not valid YAML. */
function nodeLocalFieldsIn(body: string): string[] {
  try {
    return nodeLocalFieldsSet(parseYaml(body));
  } catch {
    return [];
  }
}
