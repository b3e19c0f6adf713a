import { parseArgs } from "node:util";
import { loadConfig, resolveConfigPath } from "../runtime/config/load.ts";
import { createLogger } from "../runtime/observability/log.ts";
import { startGateway } from "../services/gateway/src/server.ts";

/**
 * The simulator accepts any credential but, like real providers, rejects a request with none.
 * When Nexus starts it, this variable supplies one unless the user set it.
 */
const SIMULATOR_KEY_ENV = "NEXUS_SIMULATOR_KEY";
const DEFAULT_SIMULATOR_PORT = 3099;

export interface UpPlan {
  gateway: boolean;
  simulator: "always" | "never" | "if-enabled";
}

/**
 * Starts the chosen services in this process, on the backends the config selects, and runs
 * until SIGINT or SIGTERM, then exits.
 */
export async function runUp(argv: string[], plan: UpPlan): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, port: { type: "string" } },
  });
  const logger = createLogger();
  const stops: (() => Promise<void>)[] = [];

  const loaded = plan.gateway || plan.simulator === "if-enabled"
    ? await loadConfig(resolveConfigPath(values.config))
    : null;
  const simulatorWanted = plan.simulator === "always" ||
    (plan.simulator === "if-enabled" && loaded?.config.simulator?.enabled === true);

  if (simulatorWanted) {
    const port = values.port !== undefined && !plan.gateway
      ? Number(values.port)
      : loaded?.config.simulator?.port ?? DEFAULT_SIMULATOR_PORT;
    // Loaded only when wanted: the simulator is a test tool, not part of a production gateway.
    const { startSimulator } = await import("../test/simulator/server.ts");
    const simulator = await startSimulator({ port, hostname: "127.0.0.1" });
    process.env[SIMULATOR_KEY_ENV] ??= "simulator-key";
    logger.log("info", "simulator.started", { url: simulator.url });
    stops.push(() => simulator.close());
  }
  if (plan.gateway && loaded !== null) {
    try {
      const gateway = await startGateway(loaded, { logger });
      stops.push(() => gateway.stop());
    } catch (error) {
      // A failed boot (such as an unreachable PostgreSQL) must not leave the simulator running.
      for (const stop of stops.reverse()) await stop();
      throw error;
    }
  }

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  for (const stop of stops.reverse()) await stop();
  // Pooled upstream connections can keep the event loop alive after every service stopped.
  process.exit(0);
}
