import { buildStage, type StageServices } from "./build-stage.ts";
import type { ComplianceConfig } from "./config-schema.ts";
import { IpRanges } from "./ip-ranges.ts";
import { type PipelineResult, type PipelineStage, runPipeline } from "./pipeline.ts";
import { selectPipeline } from "./select-pipeline.ts";
import type { HookSubject } from "./stage.ts";

interface BuiltPipeline {
  request: PipelineStage[];
  response: PipelineStage[];
}

const EMPTY: PipelineResult = { verdict: "allow", records: [], findings: [], labels: [] };

/**
 * The configured pipelines, built once at boot. Every route and the agent call `run` with a
 * subject; which pipeline applies follows from the subject's principal.
 */
export class Compliance {
  readonly trustedProxies: IpRanges;
  readonly #config: ComplianceConfig;
  readonly #pipelines = new Map<string, BuiltPipeline>();
  readonly #services: StageServices;

  /** Throws when a binding names a missing pipeline or a stage's settings are invalid. */
  constructor(config: ComplianceConfig, services: StageServices) {
    this.#config = config;
    this.#services = services;
    this.trustedProxies = new IpRanges(config.trustedProxies ?? []);
    for (const [name, pipeline] of Object.entries(config.pipelines)) {
      this.#pipelines.set(name, {
        request: (pipeline.request ?? []).map((stage) => buildStage(stage, services)),
        response: (pipeline.response ?? []).map((stage) => buildStage(stage, services)),
      });
    }

    const named = [config.defaultPipeline, ...(config.bindings ?? []).map((b) => b.pipeline)];
    for (const name of named) {
      if (name !== undefined && !this.#pipelines.has(name)) {
        throw new Error(`compliance: no pipeline named "${name}"`);
      }
    }
  }

  /** Tells whether any stage would run for the principal and phase, so callers can skip work. */
  applies(subject: Pick<HookSubject, "principal" | "phase">): boolean {
    return this.#stagesFor(subject).length > 0;
  }

  run(subject: HookSubject): Promise<PipelineResult> {
    const stages = this.#stagesFor(subject);
    if (stages.length === 0) return Promise.resolve({ ...EMPTY, records: [] });
    return runPipeline(stages, subject);
  }

  /** Flushes or dead-letters pending async webhook deliveries; called at shutdown. */
  close(): Promise<void> {
    return this.#services.webhooks?.close() ?? Promise.resolve();
  }

  #stagesFor(subject: Pick<HookSubject, "principal" | "phase">): PipelineStage[] {
    const name = selectPipeline(this.#config, subject.principal);
    const pipeline = name === null ? undefined : this.#pipelines.get(name);
    return pipeline?.[subject.phase] ?? [];
  }
}
