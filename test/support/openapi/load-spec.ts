/** Reads and parses a provider's OpenAPI document once per process. */

import { specPath, type SpecName } from "./spec-files.ts";

/** The parts of an OpenAPI 3.1 document that the validator reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

const documents = new Map<SpecName, OpenApiDocument>();

/**
 * Returns the parsed document. YAML goes through Bun's built-in parser, because the `yaml`
 * package takes about 1.5 s on OpenAI's 3 MB file and Bun's takes about 0.1 s.
 */
export async function loadSpec(name: SpecName): Promise<OpenApiDocument> {
  const cached = documents.get(name);
  if (cached !== undefined) return cached;

  const path = specPath(name);
  const text = await Bun.file(path).text();
  const parsed = path.endsWith(".json") ? JSON.parse(text) : Bun.YAML.parse(text);
  const document = parsed as OpenApiDocument;
  if (!String(document.openapi).startsWith("3.1")) {
    throw new Error(`${path}: expected OpenAPI 3.1, found ${String(document.openapi)}`);
  }

  documents.set(name, document);
  return document;
}
