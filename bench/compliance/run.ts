/**
 * Cost of the compliance pipeline, measured side by side in one run:
 *  1. the request pipeline alone on a 4 KB prompt (size, keywords, PII redaction,
 *     classification, injection heuristics) and on the same prompt with no stage;
 *  2. the gateway end to end at concurrency 1, against the simulator, with and without
 *     that pipeline, so the added latency shows as the difference of two columns.
 *
 *   bun compliance/run.ts            full run, about a minute
 *   bun compliance/run.ts --quick    a few hundred requests, to check that it runs
 *
 * Prints markdown and writes it to results/compliance-latest.md.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Compliance } from "../../runtime/hooks/compliance.ts";
import type { ComplianceConfig } from "../../runtime/hooks/config-schema.ts";
import { collectTexts } from "../../runtime/hooks/text-segments.ts";
import { MemoryWindowCounter } from "../../runtime/hooks/window-counter.ts";
import { makePrompt } from "../pii/prompts.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";
import { measureGateway } from "./gateway.ts";

const quick = process.argv.includes("--quick");
const ITERATIONS = quick ? 300 : 5000;
const REQUESTS = quick ? 200 : 3000;

export const PIPELINE: ComplianceConfig = {
  defaultPipeline: "full",
  pipelines: {
    full: {
      request: [
        { stage: "request_size", maxBytes: 1_048_576 },
        { stage: "keyword_filter", words: ["project falcon", "codename bluebird"], action: "block" },
        { stage: "pii", action: "redact" },
        { stage: "classification", rules: [{ label: "confidential", kinds: ["email", "iban"] }] },
        { stage: "content_safety", action: "flag" },
      ],
    },
  },
};

/** Per-call microseconds of the request pipeline on one prompt, as p50/p99/max. */
async function measurePipeline(config: ComplianceConfig | null, prompt: string) {
  const compliance = config === null ? null
    : new Compliance(config, { counter: new MemoryWindowCounter() });
  const histogram = createHdrHistogram();
  const body = { model: "m", messages: [{ role: "user", content: prompt }] };
  const principal = { org: "acme", project: null, keyId: "key_1", ip: "127.0.0.1" };

  for (let i = 0; i < ITERATIONS + 200; i += 1) {
    const started = performance.now();
    if (compliance !== null) {
      await compliance.run({
        phase: "request", requestId: `r${i}`, principal, model: "m",
        sizeBytes: prompt.length, headers: {}, texts: collectTexts(structuredClone(body)),
        estimatedTokens: prompt.length / 4,
      });
    }
    const micros = (performance.now() - started) * 1000;
    if (i >= 200) histogram.recordValue(Math.max(1, Math.round(micros)));
  }
  return summary(histogram);
}

function summary(histogram: ReturnType<typeof createHdrHistogram>) {
  return {
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    max: histogram.maxValue,
  };
}

const prompt = makePrompt(4096, 500, 7);
const none = await measurePipeline(null, prompt);
const full = await measurePipeline(PIPELINE, prompt);
const gateway = await measureGateway(PIPELINE, prompt, REQUESTS);

const lines = [
  `## Compliance pipeline cost (${new Date().toISOString()}, Bun ${Bun.version})`,
  "",
  `Request pipeline alone, 4 KB prompt with one PII item per ~500 bytes, ${ITERATIONS} calls:`,
  "",
  "| pipeline | p50 µs | p99 µs | max µs |",
  "|---|---|---|---|",
  `| none | ${none.p50} | ${none.p99} | ${none.max} |`,
  `| size, keywords, PII redact, classification, safety | ${full.p50} | ${full.p99} | ${full.max} |`,
  "",
  `Gateway end to end at concurrency 1, ${REQUESTS} JSON chat requests each, same prompt:`,
  "",
  "| gateway | p50 µs | p99 µs | max µs |",
  "|---|---|---|---|",
  `| without compliance | ${gateway.without.p50} | ${gateway.without.p99} | ${gateway.without.max} |`,
  `| with the pipeline above | ${gateway.with.p50} | ${gateway.with.p99} | ${gateway.with.max} |`,
  `| added | ${gateway.with.p50 - gateway.without.p50} | ` +
    `${gateway.with.p99 - gateway.without.p99} | |`,
  "",
];
const markdown = lines.join("\n");
console.log(markdown);
writeFileSync(join(import.meta.dir, "..", "results", "compliance-latest.md"), `${markdown}\n`);
