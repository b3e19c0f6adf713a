import { parseArgs } from "node:util";
import { SqliteEventStore } from "../runtime/audit/sqlite-event-store.ts";
import type { TrafficEvent } from "../runtime/audit/traffic-event.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** `nexus events list|show`: reads the traffic events the gateway wrote. */
export async function runEvents(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      limit: { type: "string", default: "20" },
      key: { type: "string" },
      org: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [action, requestId] = positionals;
  const { db } = await openCliStore(values.config);
  const store = new SqliteEventStore(db);

  try {
    switch (action) {
      case "list": {
        const limit = Number(values.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new UsageError(`invalid --limit "${values.limit}": use a positive integer`);
        }
        const events = store.list({ limit, keyId: values.key, org: values.org });
        if (values.json) process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        else for (const event of events) process.stdout.write(`${formatEvent(event)}\n`);
        return 0;
      }
      case "show": {
        if (requestId === undefined) throw new UsageError("events show needs a request id");
        const event = store.get(requestId) ??
          store.list({ limit: 1, clientRequestId: requestId })[0];
        if (event === undefined) throw new UsageError(`no event with request id ${requestId}`);
        process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
        return 0;
      }
      default:
        throw new UsageError("events needs an action: list or show");
    }
  } finally {
    db.close();
  }
}

function formatEvent(event: TrafficEvent): string {
  const tokens = event.inputTokens === null ? "-" : `${event.inputTokens}/${event.outputTokens}`;
  const cost = event.costUsd === null ? "-" : `$${event.costUsd.toFixed(6)}`;
  return [
    new Date(event.time).toISOString(),
    event.requestId,
    event.route,
    event.model ?? "-",
    event.provider ?? "-",
    String(event.status),
    event.errorCode ?? "ok",
    `${event.latencyMs.toFixed(1)}ms`,
    `tokens=${tokens}`,
    cost,
  ].join("  ");
}
