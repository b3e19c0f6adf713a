import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import type { NewVirtualKey } from "../../runtime/identity/keys/types.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";

export interface Harness {
  gateway: RunningGateway;
  dataDir: string;
  simulator: Simulator;
  /** Lines the gateway logged, parsed. */
  logs: Record<string, unknown>[];
  createKey(input?: Partial<NewVirtualKey>): Promise<string>;
  /** Writes pending events and returns the one for a request id. */
  event(requestId: string): Promise<TrafficEvent | undefined>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  drainTimeoutMs?: number;
  /**
   * More providers and models, merged over the defaults. A function gets the simulator's URL,
   * since it is only known once the simulator runs.
   */
  extra?: (simulatorUrl: string) => {
    providers?: Record<string, unknown>;
    models?: Record<string, unknown>;
    compliance?: unknown;
    cache?: unknown;
    quotas?: unknown;
    keyRouting?: unknown;
    capture?: unknown;
  };
}

export const SIMULATOR_KEY_ENV = "NEXUS_TEST_SIMULATOR_KEY";

/**
 * Starts a simulator and a gateway on port 0 with a throwaway data folder. Models:
 * `claude-test` (Anthropic format, alias `claude`), `gpt-test` (OpenAI format) and
 * `embed-test` (OpenAI embeddings), all priced.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
  const simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-test-"));
  const raw = {
    server: { host: "127.0.0.1", port: 0, maxBodyBytes: 1024 * 1024 },
    dataDir,
    providers: {
      anthropic: {
        type: "anthropic",
        baseUrl: `${simulator.url}/anthropic`,
        apiKeyEnv: SIMULATOR_KEY_ENV,
        timeoutMs: 2000,
        streamIdleTimeoutMs: 1000,
      },
      openai: {
        type: "openai",
        baseUrl: `${simulator.url}/openai/v1`,
        apiKeyEnv: SIMULATOR_KEY_ENV,
        timeoutMs: 2000,
      },
    },
    models: {
      "claude-test": {
        provider: "anthropic",
        upstreamModel: "claude-sonnet-4-5-20250929",
        aliases: ["claude"],
        price: { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3 },
      },
      "gpt-test": {
        provider: "openai",
        upstreamModel: "gpt-4o-mini",
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
      "embed-test": {
        provider: "openai",
        upstreamModel: "text-embedding-3-small",
        kind: "embedding",
        price: { inputPerMTok: 0.02, outputPerMTok: 0 },
      },
    },
  };
  const extra = options.extra?.(simulator.url) ?? {};
  Object.assign(raw.providers, extra.providers ?? {});
  Object.assign(raw.models, extra.models ?? {});
  if (extra.compliance !== undefined) Object.assign(raw, { compliance: extra.compliance });
  if (extra.cache !== undefined) Object.assign(raw, { cache: extra.cache });
  if (extra.quotas !== undefined) Object.assign(raw, { quotas: extra.quotas });
  if (extra.keyRouting !== undefined) Object.assign(raw, { keyRouting: extra.keyRouting });
  if (extra.capture !== undefined) Object.assign(raw, { capture: extra.capture });
  const loaded = validateConfig(raw, join(dataDir, "nexus.config.yaml"));
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const gateway = await startGateway(loaded, {
    logger,
    port: 0,
    drainTimeoutMs: options.drainTimeoutMs,
  });

  return {
    gateway,
    dataDir,
    simulator,
    logs,
    async createKey(input = {}) {
      const { context } = gateway;
      const created = await createVirtualKey(context.keys, context.hmacSecret, {
        org: "acme",
        models: ["*"],
        ...input,
      });
      return created.secret;
    },
    async event(requestId) {
      await gateway.context.eventWriter.flush();
      return gateway.context.events.get(requestId);
    },
    async close() {
      await gateway.stop();
      await simulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` passes or the time runs out, for effects that land after a response. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}
