import { parseArgs } from "node:util";
import type { QuotaAxis } from "../runtime/quota/config-schema.ts";
import type { QuotaAlert } from "../runtime/quota/quota-store.ts";
import { buildQuotaReport, type QuotaUsageRow } from "../runtime/quota/quota-report.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

const AXES: readonly QuotaAxis[] = ["org", "key", "provider", "model"];
/** Soft-limit alerts listed, newest first. */
const ALERTS_SHOWN = 20;

/** `nexus quota show [--axis AXIS] [--json]`. */
export async function runQuota(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      axis: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals[0] !== "show") throw new UsageError("quota needs an action: show");
  const axis = parseAxis(values.axis);

  const cli = await openCliStore(values.config);
  const { loaded } = cli;
  try {
    // Embedded: a store loaded from SQLite, with settled spend up to one flush interval behind
    // a running gateway and without the estimates of its requests in flight. Production: the
    // live counters in Valkey that every gateway shares.
    const report = await buildQuotaReport(await cli.openQuotaStore(),
      loaded.config.quotas?.rules ?? [], { axis, now: Date.now(), alertLimit: ALERTS_SHOWN });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (loaded.config.quotas === undefined) {
      process.stdout.write("no quotas in the config\n");
      return 0;
    }
    for (const row of report.usage) process.stdout.write(`${formatUsage(row)}\n`);
    if (report.alerts.length > 0) process.stdout.write("\nsoft-limit alerts, newest first:\n");
    for (const alert of report.alerts) process.stdout.write(`${formatAlert(alert)}\n`);
    return 0;
  } finally {
    await cli.close();
  }
}

function parseAxis(value: string | undefined): QuotaAxis | undefined {
  if (value === undefined) return undefined;
  if ((AXES as readonly string[]).includes(value)) return value as QuotaAxis;
  throw new UsageError(`invalid --axis "${value}": use ${AXES.join(", ")}`);
}

function formatUsage(row: QuotaUsageRow): string {
  const parts = [`${row.axis}=${row.value}`, `window=${row.window}`, row.mode];
  if (row.match === "*") parts.push("(rule *)");
  if (row.limit.tokens !== undefined) {
    parts.push(`tokens ${row.used.tokens}/${row.limit.tokens} ` +
      `(${row.remaining.tokens} remaining)`);
  }
  if (row.limit.usd !== undefined) {
    parts.push(`usd ${usd(row.used.usd)}/${usd(row.limit.usd)} ` +
      `(${usd(row.remaining.usd ?? 0)} remaining)`);
  }
  return parts.join("  ");
}

function formatAlert(alert: QuotaAlert): string {
  const amount = alert.unit === "usd" ? usd : String;
  return [new Date(alert.time).toISOString(), `${alert.axis}=${alert.value}`,
    `window=${alert.window}`, `${alert.unit} ${amount(alert.used)} over soft limit ` +
      `${amount(alert.limit)}`].join("  ");
}

function usd(amount: number): string {
  return String(Number(amount.toFixed(6)));
}
