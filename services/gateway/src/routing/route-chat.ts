import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { ResolvedTarget } from "../../../../runtime/config/models.ts";
import { chooseTargets } from "../../../../runtime/routing/choose-targets.ts";
import { DEFAULT_RETRY_ON } from "../../../../runtime/routing/config-schema.ts";
import type { RouteFacts } from "../../../../runtime/routing/route-facts.ts";
import { runRoute } from "../../../../runtime/routing/run-route.ts";
import { DEFAULT_SMART_ALPHA } from "../../../../runtime/routing/smart.ts";
import type { Admitted } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected } from "../upstream/call.ts";
import { breakersOf } from "./breakers.ts";
import { attemptChat, type ChatAttempt, type RouteStep } from "./chat-attempt.ts";
import { classifyFailure, unwrapFailure } from "./target-failure.ts";
import { observeAttempt, targetStatsOf } from "./target-stats.ts";

export interface RouteChatInput {
  context: GatewayContext;
  request: Request;
  record: RequestRecord;
  admitted: Admitted<ChatRequest>;
}

/**
 * Sends a chat request along the model's targets as its routing config sets, and records the
 * route taken as `detail.route` and why its strategy chose it as `detail.route_reason` in the
 * traffic event. Throws the client-facing error of the last attempt when none succeeded.
 */
export async function routeChat(input: RouteChatInput): Promise<ChatAttempt> {
  const { context, request, record, admitted } = input;
  const { resolved } = admitted;
  const routing = resolved.routing;
  const steps: RouteStep[] = [];
  const addStep = (step: RouteStep): void => {
    steps.push(step);
    record.addDetail("route", steps);
  };
  const breakerSettings = routing?.circuitBreaker;
  const stats = targetStatsOf(context);
  const observation = {
    retryOn: routing?.retryOn ?? DEFAULT_RETRY_ON,
    alpha: routing?.smart?.alpha ?? DEFAULT_SMART_ALPHA,
  };

  try {
    const choice = chooseTargets(routing, resolved.targets, {
      modelName: resolved.name, facts: factsOf(request, admitted), stats, random: Math.random,
    });
    if (routing !== undefined) record.addDetail("route_reason", choice.reason);

    return await runRoute({
      modelName: resolved.name,
      targets: resolved.targets,
      order: choice.targets,
      routing,
      breakerFor: (target: ResolvedTarget) => breakerSettings === undefined
        ? null
        : breakersOf(context).get(target.providerId, target.upstreamModel, breakerSettings),
      attempt: (target, budgetMs) => observeAttempt(stats, target, observation, () => attemptChat(
        {
          request, record, admitted, firstTokenTimeoutMs: routing?.firstTokenTimeoutMs, addStep,
          stepCount: () => steps.length,
        },
        target,
        budgetMs,
      )),
      classify: classifyFailure,
      onSkip: (target) => addStep({
        provider: target.providerId, upstreamModel: target.upstreamModel,
        error: "circuit_open", ms: 0,
      }),
      random: Math.random,
      now: Date.now,
      sleep: (ms) => sleepUnlessAborted(ms, request.signal),
    });
  } catch (error) {
    throw unwrapFailure(error);
  }
}

function factsOf(request: Request, admitted: Admitted<ChatRequest>): RouteFacts {
  return {
    header: (name) => request.headers.get(name),
    body: admitted.body,
    model: admitted.body.model,
    keyId: admitted.key.id,
    labels: admitted.labels,
  };
}

/** Waits `ms`; rejects with ClientDisconnected as soon as the client goes away. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ClientDisconnected());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ClientDisconnected());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
