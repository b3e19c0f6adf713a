// A bare Bun.serve + fetch passthrough: the floor for any Bun-based gateway.
import { join } from "node:path";
import { stopChild } from "../lib/child-process.ts";
import type { Child } from "../lib/child-process.ts";
import { freePort } from "../lib/wait-ready.ts";
import { MOCK_MODEL } from "../servers/mock-upstream.ts";
import type { Contender, StartContext } from "./contender.ts";
import { launchServer } from "./launch-server.ts";

export class BareProxyContender implements Contender {
  readonly name = "bare-proxy";
  readonly headers = { authorization: "Bearer bench-upstream-key" };
  readonly model = MOCK_MODEL;
  baseUrl = "";
  listeners: string[] = [];
  #process: Child | undefined;

  get process(): Child {
    if (this.#process === undefined) throw new Error("bare-proxy: process read before start()");
    return this.#process;
  }

  async start(context: StartContext): Promise<void> {
    const port = freePort();
    const script = join(context.benchRoot, "servers", "bare-proxy.ts");
    const cmd = [process.execPath, script, "--port", String(port)];
    const server = await launchServer({
      name: this.name,
      cmd: [...cmd, "--upstream", context.upstreamOrigin],
      cwd: context.benchRoot,
      port,
      readyPath: "/healthz",
      workDir: context.workDir,
    });

    this.#process = server.child;
    this.baseUrl = server.baseUrl;
    this.listeners = server.listeners;
  }

  async stop(): Promise<void> {
    if (this.#process !== undefined) await stopChild(this.#process);
  }
}
