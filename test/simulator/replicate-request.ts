/**
 * Replicate's HTTP surface in the simulator: the routes, the Bearer-token check every route
 * makes first, and errors as problem-details JSON (`{"title","detail","status"}`), the
 * shape of Replicate's API errors.
 */

import type { IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";

export interface ReplicateProblem {
  title: string;
  detail: string;
  status: number;
}

const TITLES: Record<number, [string, string]> = {
  400: ["Bad request", "The request could not be parsed."],
  401: ["Unauthenticated", "You did not pass a valid authentication token"],
  402: ["Insufficient credit", "You have insufficient credit to run this model."],
  404: ["Not found", "The requested resource could not be found."],
  422: ["Input validation failed", "input: prompt is required"],
  429: ["Too many requests", "Request was throttled. Expected available in 1 second."],
  500: ["Internal server error", "Something went wrong on our end."],
  503: ["Service unavailable", "The service is temporarily unavailable."],
};

export function replicateErrorBody(status: number, detail?: string): ReplicateProblem {
  const [title, fallback] = TITLES[status] ?? TITLES[500]!;
  return { title, detail: detail ?? fallback, status };
}

export function replicateHeaders(): Headers {
  return new Headers({ "cache-control": "no-store" });
}

export function replicateError(status: number, detail?: string): Payload {
  const payload = jsonPayload(status, replicateHeaders(), replicateErrorBody(status, detail));
  // jsonPayload sets application/json; Replicate labels problem details as such.
  payload.headers.set("content-type", "application/problem+json");
  return payload;
}

/** Returns the 401 payload when the request has no Bearer token, else null. */
export function checkReplicateAuth(incoming: IncomingRequest): Payload | null {
  const authorization = incoming.headers.get("authorization") ?? "";
  if (/^Bearer\s+\S+/i.exec(authorization) !== null) return null;
  return replicateError(401);
}

export type ReplicateRoute =
  | { kind: "create"; model: string }
  | { kind: "get" | "cancel" | "stream"; id: string };

const CREATE = /^\/replicate\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/;
const PREDICTION = /^\/replicate\/v1\/predictions\/([a-z0-9]+)(\/cancel|\/stream)?$/;

/** Reads a simulated Replicate path; the method must fit (POST create and cancel, GET others). */
export function parseReplicatePath(method: string, pathname: string): ReplicateRoute | undefined {
  const create = CREATE.exec(pathname);
  if (create !== null && method === "POST") {
    return { kind: "create", model: `${decodeURIComponent(create[1]!)}/${create[2]!}` };
  }

  const prediction = PREDICTION.exec(pathname);
  if (prediction === null) return undefined;
  const id = prediction[1]!;
  if (prediction[2] === "/cancel") return method === "POST" ? { kind: "cancel", id } : undefined;
  if (prediction[2] === "/stream") return method === "GET" ? { kind: "stream", id } : undefined;
  return method === "GET" ? { kind: "get", id } : undefined;
}
