import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { type ControlScope, describeScope, type EngagedControl } from "../runtime/controls/types.ts";
import type { KeyStore } from "../runtime/identity/keys/types.ts";
import { openCliStore } from "./open-store.ts";
import { UsageError } from "./usage-error.ts";

/** The flags every `kill` and `passthrough` action accepts. */
export const CONTROL_OPTIONS = {
  config: { type: "string" },
  global: { type: "boolean", default: false },
  org: { type: "string" },
  key: { type: "string" },
  reason: { type: "string" },
  actor: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** `nexus kill engage|lift|list`: the kill switch, per global, org or key tier. */
export async function runKill(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: CONTROL_OPTIONS,
  });
  const cli = await openCliStore(values.config);
  const store = cli.controls;

  try {
    switch (positionals[0]) {
      case "engage": {
        const scope = await parseScope(values, cli.keys);
        const reason = requireReason(values.reason, "kill engage");
        await store.engage({ control: "kill", scope, reason, actor: actorName(values.actor) });
        await cli.notify("controls");
        process.stdout.write(`kill switch engaged: ${describeScope(scope)}\n`);
        return 0;
      }
      case "lift": {
        const scope = await parseScope(values, cli.keys);
        const lifted = await store.lift({
          control: "kill", scope, actor: actorName(values.actor), reason: values.reason,
        });
        if (!lifted) throw new UsageError(`no kill switch is engaged for ${describeScope(scope)}`);
        await cli.notify("controls");
        process.stdout.write(`kill switch lifted: ${describeScope(scope)}\n`);
        return 0;
      }
      case "list": {
        const kills = (await store.list()).filter((control) => control.control === "kill");
        printControls(kills, values.json);
        return 0;
      }
      default:
        throw new UsageError("kill needs an action: engage, lift or list");
    }
  } finally {
    await cli.close();
  }
}

/**
 * Reads the one scope flag of a control command. A `--key` must name an existing key, so that
 * a mistyped id during an incident fails loudly rather than blocking nothing.
 */
export async function parseScope(
  values: { global?: boolean; org?: string; key?: string },
  keys: KeyStore,
): Promise<ControlScope> {
  const tierFlags = [values.global === true, values.org !== undefined, values.key !== undefined];
  if (tierFlags.filter(Boolean).length !== 1) {
    throw new UsageError("give exactly one of --global, --org ORG or --key KEY_ID");
  }
  if (values.org !== undefined) {
    if (values.org.trim() === "") throw new UsageError("--org must not be empty");
    return { tier: "org", target: values.org };
  }
  if (values.key !== undefined) {
    if ((await keys.findById(values.key)) === undefined) {
      throw new UsageError(`no key with id ${values.key}; see nexus keys list`);
    }
    return { tier: "key", target: values.key };
  }
  return { tier: "global", target: "" };
}

export function requireReason(reason: string | undefined, command: string): string {
  if (reason === undefined || reason.trim() === "") {
    throw new UsageError(`${command} needs --reason TEXT; it is shown to blocked clients and ` +
      "kept in the audit log");
  }
  return reason;
}

/**
 * Names who made a change: `--actor`, else the OS user running the CLI (`$USER`, `$LOGNAME`,
 * then the account of the process uid). Both are self-reported, not authenticated.
 */
export function actorName(actor: string | undefined): string {
  if (actor !== undefined) {
    if (actor.trim() === "") throw new UsageError("--actor must not be empty");
    return actor;
  }
  const fromEnv = process.env.USER ?? process.env.LOGNAME;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    const info = userInfo();
    // Bun 1.4.5 reports the name "unknown" even for root; the uid still identifies the user.
    return info.username !== "unknown" ? info.username : `uid ${info.uid}`;
  } catch {
    // userInfo throws when the uid has no passwd entry, as in some containers.
    return "unknown";
  }
}

export function printControls(controls: EngagedControl[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(controls, null, 2)}\n`);
    return;
  }
  const now = Date.now();
  for (const control of controls) {
    const expired = control.expiresAt !== null && control.expiresAt <= now;
    const expiry = control.expiresAt === null ? "never" : new Date(control.expiresAt).toISOString();
    process.stdout.write(`${[
      control.control,
      describeScope(control),
      expired ? "expired" : "active",
      `since=${new Date(control.engagedAt).toISOString()}`,
      `expires=${expiry}`,
      `actor=${control.actor}`,
      `reason=${JSON.stringify(control.reason)}`,
    ].join("  ")}\n`);
  }
}
