import { parseArgs } from "node:util";
import { createVirtualKey } from "../runtime/identity/keys/create.ts";
import type { KeySettings, VirtualKey } from "../runtime/identity/keys/types.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** `nexus keys create|list|revoke`. */
export async function runKeys(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      org: { type: "string" },
      project: { type: "string" },
      name: { type: "string" },
      models: { type: "string" },
      expires: { type: "string" },
      "unsupported-params": { type: "string" },
      "no-cache": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const [action, id] = positionals;
  const cli = await openCliStore(values.config);
  const store = cli.keys;

  try {
    switch (action) {
      case "create": {
        if (values.org === undefined) throw new UsageError("keys create needs --org");
        if (values.models === undefined) {
          throw new UsageError("keys create needs --models (comma-separated globs, e.g. 'gpt-*')");
        }
        const secret = cli.hmacSecret();
        const models = values.models.split(",").map((m) => m.trim()).filter((m) => m !== "");
        if (values.org.trim() === "") throw new UsageError("--org must not be empty");
        if (models.length === 0) throw new UsageError("--models needs at least one pattern");
        const created = await createVirtualKey(store, secret, {
          org: values.org,
          project: values.project,
          name: values.name,
          models,
          expiresAt: values.expires === undefined ? undefined : parseExpiry(values.expires),
          settings: parseSettings(values["unsupported-params"], values["no-cache"]),
        });
        await cli.notify("keys");
        if (values.json) {
          printJson({ ...created.key, key: created.secret });
        } else {
          process.stdout.write(`${created.secret}\n`);
          process.stderr.write(
            `created ${created.key.id} for org ${created.key.org}; ` +
              "the key is shown only once, store it now\n",
          );
        }
        return 0;
      }
      case "list": {
        const keys = await store.list();
        if (values.json) printJson(keys);
        else for (const key of keys) process.stdout.write(`${formatKey(key)}\n`);
        return 0;
      }
      case "revoke": {
        if (id === undefined) throw new UsageError("keys revoke needs a key id (key_…)");
        if (!(await store.revoke(id, Date.now()))) throw new UsageError(`no key with id ${id}`);
        await cli.notify("keys");
        process.stdout.write(`revoked ${id}\n`);
        return 0;
      }
      default:
        throw new UsageError("keys needs an action: create, list or revoke");
    }
  } finally {
    await cli.close();
  }
}

function parseSettings(unsupportedParams: string | undefined, noCache: boolean): KeySettings {
  const settings: KeySettings = noCache ? { cache: false } : {};
  if (unsupportedParams === undefined) return settings;
  if (unsupportedParams === "drop" || unsupportedParams === "refuse") {
    return { ...settings, unsupportedParams };
  }
  throw new UsageError(`invalid --unsupported-params "${unsupportedParams}": use drop or refuse`);
}

/** Latest expiry accepted: 100 years ahead, well inside what a JavaScript Date can show. */
const MAX_EXPIRY_MS = 100 * 365 * 86_400_000;

/** Accepts an ISO date-time or a duration such as `30d`, `12h` or `15m`, in the future. */
export function parseExpiry(value: string, now = Date.now()): number {
  const duration = /^(\d+)([mhd])$/.exec(value);
  let at: number;
  if (duration !== null) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "m" | "h" | "d"];
    at = now + Number(duration[1]) * unitMs;
  } else {
    at = Date.parse(value);
  }
  if (Number.isNaN(at)) {
    throw new UsageError(`invalid --expires "${value}": use an ISO date-time or e.g. 30d, 12h`);
  }
  if (at <= now) throw new UsageError(`invalid --expires "${value}": it is not in the future`);
  if (at - now > MAX_EXPIRY_MS) {
    throw new UsageError(`invalid --expires "${value}": at most 100 years ahead`);
  }
  return at;
}

function formatKey(key: VirtualKey): string {
  const state = key.revokedAt !== null
    ? "revoked"
    : key.expiresAt !== null && key.expiresAt <= Date.now() ? "expired" : "active";
  const expiry = key.expiresAt === null ? "never" : new Date(key.expiresAt).toISOString();
  // JSON quoting keeps a name with spaces (or an older name with control characters) on one
  // line and readable as one field.
  const name = key.name === null ? "-" : JSON.stringify(key.name);
  return [key.id, `${key.prefix}…`, state, `name=${name}`, `org=${key.org}`,
    `project=${key.project ?? "-"}`, `models=${key.models.join(",")}`, `expires=${expiry}`]
    .join("  ");
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
