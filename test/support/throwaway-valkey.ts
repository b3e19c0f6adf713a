import type { Subprocess } from "bun";
import { openValkey, type ValkeyClient } from "../../runtime/storage/valkey/open-valkey.ts";

/** A redis-server of a test's own, which the test may kill without touching the shared one. */
export interface ThrowawayValkey {
  url: string;
  /** A client connected before any outage, as a gateway node's would be. */
  client: ValkeyClient;
  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
  /** Sends a signal to the running server, such as SIGSTOP to make it stop replying. */
  signal(name: "SIGSTOP" | "SIGCONT"): void;
  /** Starts a new, empty server on the same port after `kill`. */
  restart(): Promise<void>;
  /** Kills the server if it still runs and closes the client. */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port with persistence off. Returns null when the
 * binary is missing, so a developer without one skips; under CI that is a failure.
 */
export async function startThrowawayValkey(): Promise<ThrowawayValkey | null> {
  if (Bun.which("redis-server") === null) {
    if (process.env.CI === "true") throw new Error("redis-server is not installed");
    return null;
  }
  const port = freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server = spawnServer(port);
  const client = await connectWhenUp(url, server);
  const kill = async () => {
    server.kill("SIGKILL");
    await server.exited;
  };
  return {
    url,
    client,
    kill,
    signal: (name) => server.kill(name),
    async restart() {
      server = spawnServer(port);
      (await connectWhenUp(url, server)).disconnect();
    },
    async close() {
      client.disconnect();
      await kill();
    },
  };
}

function spawnServer(port: number): Subprocess {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--daemonize", "no"];
  return Bun.spawn(["redis-server", ...args], { stdout: "ignore", stderr: "ignore" });
}

/** Returns a port the system just handed out; another process could take it before us. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

async function connectWhenUp(url: string, server: Subprocess): Promise<ValkeyClient> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await openValkey(url);
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) {
        server.kill("SIGKILL");
        throw error;
      }
      await Bun.sleep(50);
    }
  }
}
