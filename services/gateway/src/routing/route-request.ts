import type { ResolvedTarget } from "../../../../runtime/config/models.ts";
import { DEFAULT_RETRY_ON } from "../../../../runtime/routing/config-schema.ts";
import { runRoute } from "../../../../runtime/routing/run-route.ts";
import { DEFAULT_SMART_ALPHA } from "../../../../runtime/routing/smart.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected } from "../upstream/call.ts";
import {
  type Attempted,
  attemptTarget,
  type BuildCall,
  type RouteStep,
} from "./attempt-target.ts";
import { breakersOf } from "./breakers.ts";
import type { RoutePlan } from "./plan-route.ts";
import { classifyFailure, unwrapFailure } from "./target-failure.ts";
import { observeAttempt, targetStatsOf } from "./target-stats.ts";

/** One routed request: its plan and what its attempts share. */
export interface RouteRequestInput {
  context: GatewayContext;
  record: RequestRecord;
  plan: RoutePlan;
  /** Ends the attempts and the waits between them: the client's signal, or a shared call's. */
  signal: AbortSignal;
  /** Receives credentials obtained during a call; the record's `addSecret` when absent. */
  addSecret?: (value: string) => void;
  /** Deadline of a target whose provider sets no `timeoutMs`, in ms. */
  defaultTimeoutMs: number;
}

/**
 * Sends a request along the planned targets with the plan's retries, timeouts and circuit
 * breakers, building each attempt for its target's provider type with `build`. Records the
 * route taken as `detail.route`. Every model route uses this driver. Throws the
 * client-facing error of the last attempt when none succeeded.
 */
export async function routeRequest<R>(
  input: RouteRequestInput,
  build: BuildCall<R>,
): Promise<Attempted<R>> {
  const { context, record, plan, signal } = input;
  const { routing } = plan;
  const steps: RouteStep[] = [];
  const addStep = (step: RouteStep): void => {
    steps.push(step);
    record.addDetail("route", steps);
  };
  const attemptInput = {
    signal, record, addSecret: input.addSecret, defaultTimeoutMs: input.defaultTimeoutMs,
    firstTokenTimeoutMs: routing?.firstTokenTimeoutMs, routingTimeoutMs: routing?.timeoutMs,
    addStep,
    stepCount: () => steps.length,
  };
  const breakerSettings = routing?.circuitBreaker;
  const stats = targetStatsOf(context);
  const observation = {
    retryOn: routing?.retryOn ?? DEFAULT_RETRY_ON,
    alpha: routing?.smart?.alpha ?? DEFAULT_SMART_ALPHA,
  };

  try {
    return await runRoute({
      modelName: plan.resolved.name,
      targets: plan.targets,
      order: plan.order,
      routing,
      breakerFor: (target: ResolvedTarget) => breakerSettings === undefined
        ? null
        : breakersOf(context).get(target.providerId, target.upstreamModel, breakerSettings),
      attempt: (target, budgetMs) => observeAttempt(stats, target, observation,
        () => attemptTarget(attemptInput, plan.resolved, target, budgetMs, build)),
      classify: classifyFailure,
      onSkip: (target) => addStep({
        provider: target.providerId, upstreamModel: target.upstreamModel,
        error: "circuit_open", ms: 0,
      }),
      random: Math.random,
      now: Date.now,
      sleep: (ms) => sleepUnlessAborted(ms, signal),
    });
  } catch (error) {
    throw unwrapFailure(error);
  }
}

/** Waits `ms`; rejects with ClientDisconnected as soon as the signal aborts. */
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
