// Starts a contender's server process and checks it before any load reaches it.
import { join } from "node:path";
import { spawnChild, stopChild } from "../lib/child-process.ts";
import type { Child } from "../lib/child-process.ts";
import { assertLoopbackOnly, waitForHttp } from "../lib/wait-ready.ts";

export interface LaunchSpec {
  name: string;
  cmd: string[];
  cwd: string;
  env?: Record<string, string>;
  port: number;
  /** Path polled until the server responds with any HTTP status. */
  readyPath: string;
  workDir: string;
  readyTimeoutMs?: number;
}

export interface LaunchedServer {
  child: Child;
  baseUrl: string;
  listeners: string[];
}

/** Spawns the server, waits for an HTTP response and verifies it listens on loopback only. */
export async function launchServer(spec: LaunchSpec): Promise<LaunchedServer> {
  const logPath = join(spec.workDir, `${spec.name}.log`);
  const { name, cmd, cwd, env } = spec;
  const child = spawnChild({ name, cmd, cwd, env, logPath });
  const baseUrl = `http://127.0.0.1:${spec.port}`;

  try {
    await waitForHttp(baseUrl + spec.readyPath, child, spec.readyTimeoutMs ?? 30_000);
    const listeners = assertLoopbackOnly(child);
    return { child, baseUrl, listeners };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
