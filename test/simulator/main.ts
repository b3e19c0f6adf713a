/**
 * Starts the provider simulator on 127.0.0.1 and prints one JSON line once it listens.
 * Usage: `bun test/simulator/main.ts [--port N]` (default port 3099).
 */

import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";

const DEFAULT_PORT = 3099;

const { values } = parseArgs({
  options: { port: { type: "string", default: String(DEFAULT_PORT) } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`invalid --port ${values.port}: expected an integer from 0 to 65535`);
  process.exit(2);
}

const simulator = await startSimulator({ port, hostname: "127.0.0.1" });
console.log(
  JSON.stringify({
    time: new Date().toISOString(),
    level: "info",
    event: "simulator.listening",
    url: simulator.url,
    port: simulator.port,
  }),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await simulator.close();
    const stopped = { time: new Date().toISOString(), level: "info", event: "simulator.stopped" };
    console.log(JSON.stringify(stopped));
    process.exit(0);
  });
}
