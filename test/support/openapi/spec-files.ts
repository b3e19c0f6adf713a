/** The provider OpenAPI documents kept with the shared fixtures, by provider name. */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES_DIR } from "../fixtures.ts";

export type SpecName = "openai" | "anthropic" | "mistral";

export const SPEC_NAMES: readonly SpecName[] = ["openai", "anthropic", "mistral"];

/** File names as saved; PROVENANCE.md beside each says where it came from. */
const SPEC_FILES: Record<SpecName, string> = {
  openai: join("openai", "openapi.yaml"),
  anthropic: join("anthropic", "openapi.json"),
  mistral: join("mistral", "openapi.yaml"),
};

export function specPath(name: SpecName): string {
  return join(FIXTURES_DIR, "specs", SPEC_FILES[name]);
}

/**
 * Reports whether every named spec is present, so a test can skip without them. Under CI a
 * missing spec is a failure, as for the other shared fixtures.
 */
export function specsAvailable(...names: SpecName[]): boolean {
  const missing = names.map(specPath).filter((path) => !existsSync(path));
  if (missing.length > 0 && process.env.CI === "true") {
    throw new Error(`OpenAPI specs missing: ${missing.join(", ")}; CI requires them`);
  }
  return missing.length === 0;
}
