import { ConfigError } from "../runtime/config/load.ts";
import { KeyInputError } from "../runtime/identity/keys/key-input-error.ts";
import { BackendUnavailableError } from "../services/gateway/src/backends/service-error.ts";
import { runAudit } from "./audit.ts";
import { runConfig } from "./config.ts";
import { runEvents } from "./events.ts";
import { runKeys } from "./keys.ts";
import { runKill } from "./kill.ts";
import { runMigrate } from "./migrate.ts";
import { runPassthrough } from "./passthrough.ts";
import { runQuota } from "./quota.ts";
import { runUp } from "./up.ts";
import { UsageError } from "./usage-error.ts";
import { runWriter } from "./writer.ts";

const USAGE = `Usage: nexus <command> [options]

Commands:
  up                      start every service (and the simulator when the config enables
                          it) on the embedded store, or on PostgreSQL, Valkey and NATS when
                          the config's storage section names them
  gateway                 start only the gateway
  simulator [--port N]    start only the provider simulator (default port 3099)
  keys create --org ORG --models PATTERNS [--project P] [--name N] [--expires ISO|30d]
              [--unsupported-params drop|refuse] [--no-cache] [--json]
              --name must be unique among the org's live keys; --no-cache keeps the
              key's requests out of the answer cache (no lookup, no store)
  keys list [--json]
  keys revoke KEY_ID
  events list [--limit N] [--key KEY_ID] [--org ORG] [--json]
  events show REQUEST_ID [--no-bodies]
                          with capture on, prints the captured request and response bodies
  events prune [--older-than 30d]
                          deletes captured bodies and spill files older than the age (s, m,
                          h or d; default capture.retentionDays); the events stay
  kill engage --global|--org ORG|--key KEY_ID --reason TEXT [--actor NAME]
              block every request the tier covers (503 kill_switch_engaged) and end its
              open streams; running gateways apply it within 0.1 s (embedded) or
              within 1 s on every node (production)
  kill lift --global|--org ORG|--key KEY_ID [--reason TEXT] [--actor NAME]
  kill list [--json]
  passthrough enable --hooks|--cache|--normalize --global|--org ORG|--key KEY_ID
              --reason TEXT [--for 30m|4h|1d] [--actor NAME]
              --hooks skips the compliance pipeline, --cache skips the answer cache
              (no lookup, no store), and --normalize keeps streams passed through
              untranslated, so response stages do not scan them
  passthrough disable --hooks|--cache|--normalize --global|--org ORG|--key KEY_ID
              [--reason TEXT] [--actor NAME]
  passthrough list [--json]
  audit list [--limit N] [--json]
              every kill and passthrough change, newest first
  migrate [--database-url URL] [--json]
              applies the PostgreSQL schema migrations not yet applied to the database
              of --database-url, else of storage.postgres.url in the config
  quota show [--axis org|key|provider|model] [--json]
              spend, limit and remaining per quota rule and axis value in its sliding
              window, then recent soft-limit alerts; on the embedded store this is
              settled spend, up to 0.1 s behind a running gateway, without the
              estimates of requests in flight
  config push FILE [--actor NAME]
              validate FILE as a boot would, store it in PostgreSQL and have every
              gateway node run it within a second. Each node keeps its own
              node-local fields (server.host, server.port, dataDir, simulator,
              storage, keySecretEnv, siem) from its own file
  config show [--json]
              the version, sha256, time and actor of the newest pushed config, and
              which of its fields are node-local
  writer [--nats URL] [--bus-prefix P]
              store the traffic events of the NATS JetStream bus in the event store until
              SIGINT or SIGTERM (URL and prefix default: storage.nats of the config, else
              $NEXUS_NATS_URL, else nats://127.0.0.1:4222 and prefix nexus)

Options:
  --config PATH           config file (default: $NEXUS_CONFIG, else ./nexus.config.yaml)
`;

/** Runs one CLI command and returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "up":
        return await runUp(rest, { gateway: true, simulator: "if-enabled" });
      case "gateway":
        return await runUp(rest, { gateway: true, simulator: "never" });
      case "simulator":
        return await runUp(rest, { gateway: false, simulator: "always" });
      case "keys":
        return await runKeys(rest);
      case "events":
        return await runEvents(rest);
      case "kill":
        return await runKill(rest);
      case "passthrough":
        return await runPassthrough(rest);
      case "audit":
        return await runAudit(rest);
      case "quota":
        return await runQuota(rest);
      case "migrate":
        return await runMigrate(rest);
      case "config":
        return await runConfig(rest);
      case "writer":
        return await runWriter(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`nexus: unknown command "${command}"\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError ||
      error instanceof KeyInputError) {
      process.stderr.write(`nexus: ${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`nexus: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof BackendUnavailableError) {
      process.stderr.write(`nexus: ${error.message}\n`);
      return 1;
    }
    if (code === "EADDRINUSE") {
      process.stderr.write(`nexus: ${(error as Error).message} Stop the other process or ` +
        "change server.port (or simulator.port) in the config.\n");
      return 1;
    }
    throw error;
  }
}
