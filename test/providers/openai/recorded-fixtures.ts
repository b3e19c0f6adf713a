import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";

/*
 * Recorded provider traffic lives beside the repository, in `../shared/fixtures` from the repo
 * root. A missing folder fails the run in CI and skips the fixture tests elsewhere.
 */
const REPO_ROOT = join(import.meta.dir, "..", "..", "..");
export const RECORDED_DIR = join(REPO_ROOT, "..", "shared", "fixtures", "recorded");

export const fixturesAvailable = existsSync(RECORDED_DIR);
if (!fixturesAvailable && process.env.CI === "true") {
  throw new Error(`Recorded fixtures not found at ${RECORDED_DIR}; CI needs them.`);
}

export function readFixtureText(relativePath: string): string {
  return readFileSync(join(RECORDED_DIR, relativePath), "utf8");
}

/** Lists `folder/name` for each file in a fixture folder whose name ends with `suffix`. */
export function listFixtures(folder: string, suffix: string): string[] {
  if (!fixturesAvailable) return [];
  return readdirSync(join(RECORDED_DIR, folder))
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => `${folder}/${name}`);
}

/**
 * Frames a `*.chunks.txt` file (one JSON payload a line, SSE framing stripped) the way an
 * OpenAI-format server sends it: `data: <line>` events and a final `data: [DONE]`.
 */
export function frameChunkLines(text: string): string {
  const events = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `data: ${line}\n\n`);
  return `${events.join("")}data: [DONE]\n\n`;
}

/** One recorded HTTP exchange of a VCR cassette, with the body gunzipped where it was gzip. */
export interface CassetteInteraction {
  requestBody: string;
  status: number;
  contentType: string;
  body: string;
}

export function readCassette(relativePath: string): CassetteInteraction[] {
  const document: unknown = parse(readFixtureText(relativePath));
  const interactions = (document as { interactions: RawInteraction[] }).interactions;
  return interactions.map((interaction) => {
    const headers = interaction.response.headers;
    const encoding = headerValue(headers, "content-encoding");
    const raw = interaction.response.body.string;
    const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
    const body = encoding === "gzip" ? gunzipSync(bytes) : bytes;
    return {
      requestBody: interaction.request.body,
      status: interaction.response.status.code,
      contentType: headerValue(headers, "content-type") ?? "",
      body: new TextDecoder().decode(body),
    };
  });
}

interface RawInteraction {
  request: { body: string };
  response: {
    status: { code: number };
    headers: Record<string, string[]>;
    // The yaml package reads `!!binary` (the gzip bodies) as a Uint8Array.
    body: { string: string | Uint8Array };
  };
}

function headerValue(headers: Record<string, string[]>, name: string): string | null {
  for (const [key, values] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return values[0] ?? null;
  }
  return null;
}
