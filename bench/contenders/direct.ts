// The mock upstream with nothing in front of it: the zero-overhead baseline that "added
// latency" is measured against.
import type { Child } from "../lib/child-process.ts";
import { MOCK_MODEL } from "../servers/mock-upstream.ts";
import type { Contender, StartContext } from "./contender.ts";

export class DirectContender implements Contender {
  readonly name = "direct";
  readonly headers = { authorization: "Bearer bench-upstream-key" };
  readonly model = MOCK_MODEL;
  listeners: string[] = [];
  baseUrl = "";
  #process: Child | undefined;

  get process(): Child {
    if (this.#process === undefined) throw new Error("direct: process read before start()");
    return this.#process;
  }

  async start(context: StartContext): Promise<void> {
    this.baseUrl = context.upstreamOrigin;
    this.#process = context.upstream;
    this.listeners = context.upstreamListeners;
  }

  // The upstream belongs to the driver, which stops it after every contender.
  async stop(): Promise<void> {}
}
