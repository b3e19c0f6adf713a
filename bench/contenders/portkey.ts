// Portkey's open-source gateway 1.15.2 on Node, as the established peer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stopChild } from "../lib/child-process.ts";
import type { Child } from "../lib/child-process.ts";
import { freePort } from "../lib/wait-ready.ts";
import { MOCK_MODEL } from "../servers/mock-upstream.ts";
import type { Contender, StartContext } from "./contender.ts";
import { launchServer } from "./launch-server.ts";

export function portkeyPackageDir(benchRoot: string): string {
  return join(benchRoot, "node_modules", "@portkey-ai", "gateway");
}

/** Returns the installed Portkey version, or undefined when it is not installed. */
export function portkeyVersion(benchRoot: string): string | undefined {
  try {
    const manifest = readFileSync(join(portkeyPackageDir(benchRoot), "package.json"), "utf8");
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export class PortkeyContender implements Contender {
  readonly name = "portkey";
  readonly model = MOCK_MODEL;
  baseUrl = "";
  headers: Record<string, string> = {};
  listeners: string[] = [];
  #process: Child | undefined;

  get process(): Child {
    if (this.#process === undefined) throw new Error("portkey: process read before start()");
    return this.#process;
  }

  async start(context: StartContext): Promise<void> {
    const packageDir = portkeyPackageDir(context.benchRoot);
    if (portkeyVersion(context.benchRoot) === undefined) {
      throw new Error(`Portkey is not installed in ${packageDir}; run npm install in bench/`);
    }

    // Portkey binds every interface and has no host option; the preload pins it to loopback.
    const preload = join(context.benchRoot, "servers", "loopback-preload.cjs");
    const port = freePort();
    const server = await launchServer({
      name: this.name,
      cmd: ["node", "--require", preload, "build/start-server.js", `--port=${port}`, "--headless"],
      cwd: packageDir,
      env: { NODE_ENV: "production" },
      port,
      readyPath: "/",
      workDir: context.workDir,
    });

    this.#process = server.child;
    this.baseUrl = server.baseUrl;
    this.listeners = server.listeners;
    this.headers = {
      authorization: "Bearer bench-upstream-key",
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${context.upstreamOrigin}/v1`,
    };
  }

  async stop(): Promise<void> {
    if (this.#process !== undefined) await stopChild(this.#process);
  }
}
