import type { FieldProblem } from "../config/check-kinds.ts";
import type { NexusConfig } from "../config/schema.ts";
import { type ServiceName, serviceUrlProblem } from "./service-url.ts";

const SERVICES: readonly ServiceName[] = ["postgres", "valkey", "nats"];

/**
 * Checks that each `storage.<service>.url` parses and has a scheme its client accepts, so a
 * typo fails at config load rather than as an odd connection error that prints the URL.
 */
export function checkStorageUrls(config: NexusConfig): FieldProblem | null {
  for (const service of SERVICES) {
    const url = config.storage?.[service]?.url;
    if (url === undefined) continue;
    const message = serviceUrlProblem(service, url);
    if (message !== null) return { field: `/storage/${service}/url`, message };
  }
  return null;
}
