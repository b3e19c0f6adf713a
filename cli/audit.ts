import { parseArgs } from "node:util";
import { type ControlAuditEntry, describeScope } from "../runtime/controls/types.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** `nexus audit list`: every engage and lift of a kill switch or passthrough flag. */
export async function runAudit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      limit: { type: "string", default: "50" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals[0] !== "list") throw new UsageError("audit needs an action: list");
  const limit = Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(`invalid --limit "${values.limit}": use a positive integer`);
  }

  const cli = await openCliStore(values.config);
  try {
    const entries = await cli.controls.audit(limit);
    if (values.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else for (const entry of entries) process.stdout.write(`${formatEntry(entry)}\n`);
    return 0;
  } finally {
    await cli.close();
  }
}

function formatEntry(entry: ControlAuditEntry): string {
  const expiry = entry.expiresAt === null ? [] : [
    `expires=${new Date(entry.expiresAt).toISOString()}`];
  return [
    new Date(entry.time).toISOString(),
    entry.action,
    entry.control,
    describeScope(entry),
    `actor=${entry.actor}`,
    `reason=${entry.reason === null ? "-" : JSON.stringify(entry.reason)}`,
    ...expiry,
  ].join("  ");
}
