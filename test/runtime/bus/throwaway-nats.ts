import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const NATS_SERVER = process.env.NEXUS_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";

/** A NATS server of this test alone, so it can be stopped without touching the shared one. */
export interface ThrowawayNats {
  url: string;
  /** Stops the server (SIGKILL, by its pid), keeping its JetStream store. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listening(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })
      .then((socket) => { socket.end(); return true; }, () => false);
    if (open) return true;
    await Bun.sleep(50);
  }
  return false;
}

/**
 * Starts `nats-server -js` on a free loopback port. Returns null when the binary is missing,
 * so a developer without it skips; under CI a missing binary is a failure.
 */
export async function startThrowawayNats(): Promise<ThrowawayNats | null> {
  if (!existsSync(NATS_SERVER)) {
    if (process.env.CI === "true") throw new Error(`${NATS_SERVER} is missing`);
    return null;
  }
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "nexus-nats-"));
  let child: Subprocess | null = null;
  const start = async () => {
    child = Bun.spawn([NATS_SERVER, "-a", "127.0.0.1", "-p", String(port), "-js",
      "-sd", storeDir], { stdout: "ignore", stderr: "ignore" });
    if (!(await listening(port, 5000))) throw new Error("nats-server did not start");
  };
  const stop = async () => {
    const running = child as Subprocess | null;
    if (running === null) return;
    running.kill("SIGKILL");
    await running.exited;
    child = null;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
