// Readiness checks for a freshly started server: a free port to give it, an HTTP response from
// it, and proof that it listens on loopback only.
import type { Child } from "./child-process.ts";
import { logTail } from "./child-process.ts";
import { processTree } from "./proc-stats.ts";

/** Returns a port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  if (port === undefined) throw new Error("could not reserve a port on 127.0.0.1");
  return port;
}

/** Polls `url` until it responds with any HTTP status, and returns that status. */
export async function waitForHttp(url: string, child: Child, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      const status = child.process.exitCode ?? child.process.signalCode;
      throw new Error(`${child.name} exited (${status}) before it responded:\n${logTail(child)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      await Bun.sleep(100);
    }
  }
  const message = `${child.name} did not respond at ${url} within ${timeoutMs} ms`;
  throw new Error(`${message}:\n${logTail(child)}`);
}

/** Parses `ss -ltnpH` output into the local addresses that each pid listens on. */
export function parseListeners(output: string): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const line of output.split("\n")) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 6) continue;
    const local = columns[3]!;
    for (const match of line.matchAll(/pid=(\d+)/g)) {
      const pid = Number(match[1]);
      byPid.set(pid, [...(byPid.get(pid) ?? []), local]);
    }
  }
  return byPid;
}

export function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(":"));
  return host.startsWith("127.") || host === "[::1]" || host === "::1";
}

/**
 * Returns the TCP addresses the process tree of `child` listens on, checked with `ss -ltnp`.
 * Throws when one of them is beyond loopback or when the tree listens on nothing.
 */
export function assertLoopbackOnly(child: Child): string[] {
  const result = Bun.spawnSync(["ss", "-ltnpH"]);
  if (result.exitCode !== 0) throw new Error(`ss -ltnpH failed: ${result.stderr.toString()}`);

  const listeners = parseListeners(result.stdout.toString());
  const addresses = processTree(child.pid).flatMap((stat) => listeners.get(stat.pid) ?? []);
  if (addresses.length === 0) throw new Error(`${child.name} (pid ${child.pid}) listens nowhere`);

  const exposed = addresses.filter((address) => !isLoopbackAddress(address));
  if (exposed.length > 0) {
    throw new Error(`${child.name} listens beyond loopback on ${exposed.join(", ")}`);
  }
  return addresses;
}
