import { ConfigError } from "../runtime/config/load.ts";
import { runEvents } from "./events.ts";
import { runKeys } from "./keys.ts";
import { runUp } from "./up.ts";
import { UsageError } from "./usage-error.ts";

const USAGE = `Usage: nexus <command> [options]

Commands:
  up                      start every service on the embedded store (and the simulator when
                          the config enables it)
  gateway                 start only the gateway
  simulator [--port N]    start only the provider simulator (default port 3099)
  keys create --org ORG --models PATTERNS [--project P] [--name N] [--expires ISO|30d]
              [--unsupported-params drop|refuse] [--json]
  keys list [--json]
  keys revoke KEY_ID
  events list [--limit N] [--key KEY_ID] [--org ORG] [--json]
  events show REQUEST_ID

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
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`nexus: ${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`nexus: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (code === "EADDRINUSE") {
      process.stderr.write(`nexus: ${(error as Error).message} Stop the other process or ` +
        "change server.port (or simulator.port) in the config.\n");
      return 1;
    }
    throw error;
  }
}
