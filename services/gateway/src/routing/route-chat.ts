import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { Admitted } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { type ChatAttempt, chatCall } from "./chat-attempt.ts";
import { planRoute, type RoutePlan } from "./plan-route.ts";
import { routeRequest } from "./route-request.ts";

const DEFAULT_TIMEOUT_MS = 600_000;

export interface RouteChatInput {
  context: GatewayContext;
  record: RequestRecord;
  admitted: Admitted<ChatRequest>;
  plan: RoutePlan;
  /** The client's signal, or the signal of a cache call shared by several clients. */
  signal: AbortSignal;
  /** Receives credentials obtained during a call; the record's `addSecret` when absent. */
  addSecret?: (value: string) => void;
}

/** Plans the route of an admitted chat request (see `planRoute`). */
export function planChatRoute(
  context: GatewayContext,
  request: Request,
  record: RequestRecord,
  admitted: Admitted<ChatRequest>,
): RoutePlan {
  return planRoute({
    context, headers: request.headers, record, resolved: admitted.resolved, key: admitted.key,
    body: admitted.body, model: admitted.body.model, labels: admitted.labels,
  });
}

/**
 * Sends a chat request along its planned route. Each target gets the request re-encoded and
 * the parameter policy re-applied for its provider type. This is the routed upstream call
 * that both the uncached path and a cache miss make.
 */
export function routeChat(input: RouteChatInput): Promise<ChatAttempt> {
  const { context, record, admitted, plan, signal, addSecret } = input;
  return routeRequest(
    { context, record, plan, signal, addSecret, defaultTimeoutMs: DEFAULT_TIMEOUT_MS },
    (setup) => chatCall(admitted.body, setup, admitted.key, record),
  );
}
