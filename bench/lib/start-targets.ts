// Starts the mock upstream and the contenders, and checks each with one request per scenario
// before any measured load.
import { join } from "node:path";
import { BareProxyContender } from "../contenders/bare-proxy.ts";
import type { Contender, ContenderName, StartContext } from "../contenders/contender.ts";
import { DirectContender } from "../contenders/direct.ts";
import { NexusContender } from "../contenders/nexus.ts";
import { PortkeyContender } from "../contenders/portkey.ts";
import { spawnChild, stopChild } from "./child-process.ts";
import { chatTarget } from "./chat-request.ts";
import type { Scenario } from "./chat-request.ts";
import type { BenchOptions } from "./cli-options.ts";
import { treeMemoryMib } from "./proc-stats.ts";
import type { ContenderReport } from "./render-markdown.ts";
import { assertLoopbackOnly, freePort, waitForHttp } from "./wait-ready.ts";

function createContender(name: ContenderName): Contender {
  switch (name) {
    case "direct":
      return new DirectContender();
    case "bare-proxy":
      return new BareProxyContender();
    case "portkey":
      return new PortkeyContender();
    case "nexus":
      return new NexusContender();
  }
}

export async function startUpstream(options: BenchOptions, benchRoot: string, workDir: string) {
  const port = freePort();
  const cmd = [process.execPath, join(benchRoot, "servers", "mock-upstream.ts")];
  cmd.push("--port", String(port), "--chunks", String(options.chunks));
  cmd.push("--first-byte-ms", String(options.firstByteMs));
  cmd.push("--chunk-gap-ms", String(options.chunkGapMs));
  const logPath = join(workDir, "mock-upstream.log");
  const upstream = spawnChild({ name: "mock-upstream", cmd, cwd: benchRoot, logPath });

  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, upstream, 15_000);
    const listeners = assertLoopbackOnly(upstream);
    return { upstream, origin: `http://127.0.0.1:${port}`, listeners };
  } catch (error) {
    await stopChild(upstream);
    throw error;
  }
}

/** Sends one request of a scenario and throws with the status and body when it fails. */
async function smokeCheck(contender: Contender, scenario: Scenario): Promise<void> {
  const target = chatTarget(contender.baseUrl, contender.headers, contender.model, scenario);
  const response = await fetch(target.url, { ...target.init, signal: AbortSignal.timeout(15_000) });
  const body = await response.text();
  const complete = scenario === "stream" ? body.includes("[DONE]") : body.includes('"choices"');
  if (response.status !== 200 || !complete) {
    const snippet = body.replace(/\s+/g, " ").slice(0, 200);
    throw new Error(`${scenario} request failed with status ${response.status}: ${snippet}`);
  }
}

async function startOne(
  contender: Contender,
  context: StartContext,
  scenarios: Scenario[],
): Promise<ContenderReport> {
  try {
    await contender.start(context);
    for (const scenario of scenarios) await smokeCheck(contender, scenario);
    return {
      name: contender.name,
      status: "measured",
      listeners: contender.listeners,
      rssAfterStartMib: treeMemoryMib(contender.process.pid, "VmRSS"),
    };
  } catch (error) {
    await contender.stop();
    const reason = (error as Error).message.split("\n")[0] ?? "unknown error";
    console.error(`bench: ${contender.name} is unavailable: ${(error as Error).message}`);
    return { name: contender.name, status: "unavailable", reason, listeners: [] };
  }
}

/** Starts every requested contender; one that fails is reported and left out of the run. */
export async function startContenders(
  options: BenchOptions,
  context: StartContext,
): Promise<{ running: Contender[]; reports: ContenderReport[] }> {
  const running: Contender[] = [];
  const reports: ContenderReport[] = [];
  for (const name of options.contenders) {
    const contender = createContender(name);
    const report = await startOne(contender, context, options.scenarios);
    reports.push(report);
    if (report.status === "measured") running.push(contender);
  }
  return { running, reports };
}
