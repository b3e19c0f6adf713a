// Nexus's own gateway, started from this repository. What it assumes about the Nexus CLI and
// config format is in nexus-setup.ts.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stopChild } from "../lib/child-process.ts";
import type { Child } from "../lib/child-process.ts";
import { freePort } from "../lib/wait-ready.ts";
import type { Contender, StartContext } from "./contender.ts";
import { launchServer } from "./launch-server.ts";
import {
  CREATE_KEY_BEFORE_UP,
  NEXUS_ENV,
  NEXUS_MODEL,
  NEXUS_READY_PATH,
  nexusConfig,
  nexusHeaders,
  nexusKeyArgs,
  nexusUpArgs,
  parseKeyOutput,
} from "./nexus-setup.ts";

function createKey(repoRoot: string, configPath: string): string {
  const result = Bun.spawnSync({
    cmd: [process.execPath, ...nexusKeyArgs(configPath)],
    cwd: repoRoot,
    env: { ...Bun.env, ...NEXUS_ENV },
    timeout: 30_000,
  });
  if (result.exitCode !== 0) {
    const output = (result.stderr.toString() + result.stdout.toString()).trim().slice(-800);
    throw new Error(`nexus keys create exited with ${result.exitCode}:\n${output}`);
  }
  return parseKeyOutput(result.stdout.toString());
}

export class NexusContender implements Contender {
  readonly name = "nexus";
  readonly model = NEXUS_MODEL;
  baseUrl = "";
  headers: Record<string, string> = {};
  listeners: string[] = [];
  #process: Child | undefined;

  get process(): Child {
    if (this.#process === undefined) throw new Error("nexus: process read before start()");
    return this.#process;
  }

  async start(context: StartContext): Promise<void> {
    const entry = join(context.repoRoot, "bin", "nexus.ts");
    if (!existsSync(entry)) throw new Error(`Nexus entry point not found: ${entry}`);

    const port = freePort();
    const dataDir = join(context.workDir, "nexus-data");
    mkdirSync(dataDir, { recursive: true });
    const configPath = join(context.workDir, "nexus.bench.yaml");
    const config = nexusConfig({ port, upstreamOrigin: context.upstreamOrigin, dataDir });
    writeFileSync(configPath, JSON.stringify(config, null, 2));

    let key = CREATE_KEY_BEFORE_UP ? createKey(context.repoRoot, configPath) : undefined;
    const server = await launchServer({
      name: this.name,
      cmd: [process.execPath, ...nexusUpArgs(configPath)],
      cwd: context.repoRoot,
      env: NEXUS_ENV,
      port,
      readyPath: NEXUS_READY_PATH,
      workDir: context.workDir,
    });
    this.#process = server.child;
    this.baseUrl = server.baseUrl;
    this.listeners = server.listeners;

    key ??= createKey(context.repoRoot, configPath);
    this.headers = nexusHeaders(key);
  }

  async stop(): Promise<void> {
    if (this.#process !== undefined) await stopChild(this.#process);
  }
}
