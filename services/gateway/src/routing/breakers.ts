import { BreakerRegistry } from "../../../../runtime/routing/circuit-breaker.ts";
import type { GatewayContext } from "../context.ts";

/** Circuit breakers per running gateway, so that two gateways in one process share none. */
const registries = new WeakMap<GatewayContext, BreakerRegistry>();

/** Returns the gateway's breaker registry, created on first use. */
export function breakersOf(context: GatewayContext): BreakerRegistry {
  let registry = registries.get(context);
  if (registry === undefined) {
    registry = new BreakerRegistry();
    registries.set(context, registry);
  }
  return registry;
}
