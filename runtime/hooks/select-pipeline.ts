import type { ComplianceConfig } from "./config-schema.ts";
import type { Principal } from "./stage.ts";

/**
 * Returns the name of the pipeline for a principal: a binding for its key wins over one for
 * its org and project, which wins over one for its org alone; then the default.
 */
export function selectPipeline(config: ComplianceConfig, principal: Principal): string | null {
  let best: { score: number; pipeline: string } | null = null;
  for (const binding of config.bindings ?? []) {
    if (binding.key !== undefined && binding.key !== principal.keyId) continue;
    if (binding.org !== undefined && binding.org !== principal.org) continue;
    if (binding.project !== undefined && binding.project !== principal.project) continue;

    const score = (binding.key !== undefined ? 4 : 0) + (binding.project !== undefined ? 2 : 0) +
      (binding.org !== undefined ? 1 : 0);
    if (best === null || score > best.score) best = { score, pipeline: binding.pipeline };
  }
  return best?.pipeline ?? config.defaultPipeline ?? null;
}
