import { existsSync } from "node:fs";
import { join } from "node:path";

/** The repository root: this file lives in `<root>/test/support`. */
export const REPO_ROOT = join(import.meta.dir, "..", "..");

/** Recorded provider traffic and specs, kept beside the repository in `../shared/fixtures`. */
export const FIXTURES_DIR = join(REPO_ROOT, "..", "shared", "fixtures");

/**
 * Reports whether the shared fixtures are present. Under CI a missing fixture folder is a
 * failure, not a reason to skip.
 */
export function fixturesAvailable(): boolean {
  const present = existsSync(FIXTURES_DIR);
  if (!present && process.env.CI === "true") {
    throw new Error(`fixtures missing at ${FIXTURES_DIR}; CI requires them`);
  }
  return present;
}
