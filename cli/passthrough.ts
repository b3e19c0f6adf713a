import { parseArgs } from "node:util";
import { describeScope, PASSTHROUGH_FLAGS, type PassthroughFlag } from
  "../runtime/controls/types.ts";
import {
  actorName, CONTROL_OPTIONS, parseScope, printControls, requireReason,
} from "./kill.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** Longest `--for` accepted, so that an incident bypass cannot be left on for good. */
const MAX_DURATION_MS = 30 * 86_400_000;

/** `nexus passthrough enable|disable|list`: the emergency bypass flags. */
export async function runPassthrough(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONTROL_OPTIONS,
      hooks: { type: "boolean", default: false },
      cache: { type: "boolean", default: false },
      normalize: { type: "boolean", default: false },
      for: { type: "string" },
    },
  });
  const cli = await openCliStore(values.config);
  const store = cli.controls;

  try {
    switch (positionals[0]) {
      case "enable": {
        const flags = parseFlags(values);
        const scope = await parseScope(values, cli.keys);
        const reason = requireReason(values.reason, "passthrough enable");
        const expiresAt = values.for === undefined ? null : Date.now() + parseDuration(values.for);
        const actor = actorName(values.actor);
        for (const flag of flags) {
          await store.engage({ control: flag, scope, reason, actor, expiresAt });
        }
        await cli.notify("controls");
        const until = expiresAt === null ? "until disabled" : `until ${new Date(expiresAt)
          .toISOString()}`;
        process.stdout.write(`enabled ${flags.join(", ")} for ${describeScope(scope)} ${until}\n`);
        return 0;
      }
      case "disable": {
        const flags = parseFlags(values);
        const scope = await parseScope(values, cli.keys);
        const actor = actorName(values.actor);
        const missing: PassthroughFlag[] = [];
        for (const flag of flags) {
          const lifted = await store.lift({ control: flag, scope, actor, reason: values.reason });
          if (!lifted) missing.push(flag);
        }
        const disabled = flags.filter((flag) => !missing.includes(flag));
        if (disabled.length > 0) await cli.notify("controls");
        if (disabled.length > 0) {
          process.stdout.write(`disabled ${disabled.join(", ")} for ${describeScope(scope)}\n`);
        }
        if (missing.length > 0) {
          throw new UsageError(`${missing.join(", ")} not enabled for ${describeScope(scope)}`);
        }
        return 0;
      }
      case "list": {
        const flags = (await store.list()).filter((control) => control.control !== "kill");
        printControls(flags, values.json);
        return 0;
      }
      default:
        throw new UsageError("passthrough needs an action: enable, disable or list");
    }
  } finally {
    await cli.close();
  }
}

function parseFlags(values: { hooks: boolean; cache: boolean; normalize: boolean }):
  PassthroughFlag[] {
  const chosen = { bypassHooks: values.hooks, bypassCache: values.cache,
    bypassNormalize: values.normalize };
  const flags = PASSTHROUGH_FLAGS.filter((flag) => chosen[flag]);
  if (flags.length === 0) {
    throw new UsageError("give at least one of --hooks, --cache or --normalize");
  }
  return flags;
}

/** Parses a `--for` duration such as `90s`, `30m`, `4h` or `1d` into ms. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (match === null) {
    throw new UsageError(`invalid --for "${value}": use a number and a unit, e.g. 30m, 4h, 1d`);
  }
  const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    match[2] as "s" | "m" | "h" | "d"];
  const ms = Number(match[1]) * unitMs;
  if (ms <= 0) throw new UsageError(`invalid --for "${value}": it must be longer than zero`);
  if (ms > MAX_DURATION_MS) throw new UsageError(`invalid --for "${value}": at most 30d`);
  return ms;
}
