/**
 * Reads a Vertex AI model path (`/vertex/v1/projects/{project}/locations/{region}` then
 * `/publishers/{publisher}/models/{model}:{method}`), and checks the `Authorization: Bearer`
 * token the way Vertex does before any work.
 */

import { geminiError } from "./gemini-request.ts";
import type { IncomingRequest } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";
import { isValidVertexToken } from "./vertex-accounts.ts";

const MODEL_PATH = new RegExp(
  "^/vertex/v1/projects/([^/]+)/locations/([^/]+)" +
    "/publishers/([^/]+)/models/([^/:]+):([A-Za-z]+)$",
);

export interface VertexTarget {
  project: string;
  region: string;
  publisher: string;
  model: string;
  method: string;
}

export function parseVertexPath(pathname: string): VertexTarget | undefined {
  const match = MODEL_PATH.exec(pathname);
  if (match === null) return undefined;
  const [, project, region, publisher, model, method] = match.map((part) => {
    return decodeURIComponent(part);
  });
  return { project: project!, region: region!, publisher: publisher!, model: model!,
    method: method! };
}

/** Returns Google's 401 unless the request carries a token the token endpoint issued. */
export function checkVertexToken(incoming: IncomingRequest): Payload | undefined {
  const header = incoming.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (token !== undefined && isValidVertexToken(token)) return undefined;

  const message =
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login " +
    "cookie or other valid authentication credential.";
  return geminiError(401, "UNAUTHENTICATED", message);
}

/** Returns a copy of `incoming` with other headers and body, for the underlying API's handler. */
export function withRequest(
  incoming: IncomingRequest,
  headers: Record<string, string>,
  json: unknown,
): IncomingRequest {
  const merged = new Headers(incoming.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  const text = json === undefined ? incoming.text : JSON.stringify(json);
  return { ...incoming, headers: merged, json, text };
}
