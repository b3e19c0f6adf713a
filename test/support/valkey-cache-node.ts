import type { ChangeSignals } from "../../runtime/bus/change-signals.ts";
import type { ValkeyClient } from "../../runtime/storage/valkey/open-valkey.ts";
import { valkeyCacheBackends } from "../../services/gateway/src/cache/cache-backends.ts";
import { buildChatCache, type ChatCache } from "../../services/gateway/src/cache/chat-cache.ts";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "./harness.ts";
import type { ValkeyTestContext } from "./valkey.ts";

/** A running gateway node whose answer cache is on the shared test Valkey. */
export interface ValkeyCacheNode {
  harness: Harness;
  client: ValkeyClient;
  cache: ChatCache;
}

/** How a node is started: its cache section, and where its OpenAI provider points. */
export interface ValkeyCacheNodeOptions {
  cache: object;
  /** Another node's simulator; without it the node calls its own. */
  simulatorUrl?: string;
  /** Builds the node's change signals once its logger exists; none when left out. */
  signals?: (harness: Harness) => Promise<ChangeSignals>;
}

/**
 * Starts a harness and rebuilds its cache on the Valkey backends under the test's key prefix,
 * as a production boot would build it, so several nodes share one cache.
 */
export async function startValkeyCacheNode(
  valkey: ValkeyTestContext,
  options: ValkeyCacheNodeOptions,
): Promise<ValkeyCacheNode> {
  const { simulatorUrl } = options;
  const harness = await startHarness({
    extra: () => ({
      cache: options.cache,
      providers: simulatorUrl === undefined ? {} : {
        openai: {
          type: "openai",
          baseUrl: `${simulatorUrl}/openai/v1`,
          apiKeyEnv: SIMULATOR_KEY_ENV,
          timeoutMs: 2000,
        },
      },
    }),
  });
  const client = await valkey.connect();
  const { context } = harness.gateway;
  const signals = options.signals === undefined ? null : await options.signals(harness);
  const cache = buildChatCache(context.loaded.config.cache, context.catalog,
    valkeyCacheBackends(client, valkey.prefix, context.logger, signals), context.logger)!;
  context.cache = cache;
  return { harness, client, cache };
}
