/**
 * Validates the requests the simulator recorded (`sim.requests`) against the provider spec of
 * their route. The simulator does not import this, so tests that do not call it never load a
 * spec.
 */

import type { ReceivedRequest } from "../../simulator/incoming-request.ts";
import { type Operation, operationName } from "./operations.ts";
import { specCheck } from "./validator.ts";

/**
 * The API a request on an OpenAI-shaped route follows. OpenAI-compatible providers such as
 * Mistral send to the same simulator routes, so only the test can tell which one it set up.
 */
export type OpenAIRouteSpec = "openai" | "mistral";

export interface RequestCheckOptions {
  /** Picks the spec for a request on an `/openai/` route (OpenAI's when not given). */
  specOf?: (request: ReceivedRequest) => OpenAIRouteSpec;
}

export interface RequestViolation {
  /** Position in the recorded list. */
  index: number;
  /** `POST /openai/v1/chat/completions`. */
  route: string;
  /** The spec operation it was checked against: `mistral POST /v1/chat/completions`. */
  operation: string;
  errors: string[];
}

export interface RequestCheckReport {
  violations: RequestViolation[];
  /** How many requests were validated. */
  checked: number;
  /** Routes of requests with no spec operation here (Gemini, Cohere, `GET /models`). */
  unchecked: string[];
}

/** The spec operation of each simulator route, per spec. A spec without the route has none. */
const ROUTES: Record<string, Partial<Record<OpenAIRouteSpec | "anthropic", Operation>>> = {
  "POST /openai/v1/chat/completions": {
    openai: { spec: "openai", method: "POST", path: "/chat/completions" },
    mistral: { spec: "mistral", method: "POST", path: "/v1/chat/completions" },
  },
  "POST /openai/v1/embeddings": {
    openai: { spec: "openai", method: "POST", path: "/embeddings" },
    mistral: { spec: "mistral", method: "POST", path: "/v1/embeddings" },
  },
  "POST /openai/v1/responses": {
    openai: { spec: "openai", method: "POST", path: "/responses" },
  },
  "POST /anthropic/v1/messages": {
    anthropic: { spec: "anthropic", method: "POST", path: "/v1/messages" },
  },
};

/** Validates each recorded request's JSON body against its route's request schema. */
export async function checkRecordedRequests(
  requests: readonly ReceivedRequest[],
  options: RequestCheckOptions = {},
): Promise<RequestCheckReport> {
  const report: RequestCheckReport = { violations: [], checked: 0, unchecked: [] };
  for (const [index, request] of requests.entries()) {
    const route = `${request.method} ${request.path.split("?")[0]}`;
    const operations = ROUTES[route];
    if (operations === undefined) {
      report.unchecked.push(route);
      continue;
    }

    const spec = route.startsWith("POST /anthropic/")
      ? "anthropic"
      : (options.specOf?.(request) ?? "openai");
    const operation = operations[spec];
    if (operation === undefined) {
      const errors = [`the ${spec} spec has no operation for ${route}`];
      report.violations.push({ index, route, operation: spec, errors });
      continue;
    }

    report.checked += 1;
    const errors = await requestErrors(operation, request.body);
    if (errors.length > 0) {
      report.violations.push({ index, route, operation: operationName(operation), errors });
    }
  }
  return report;
}

async function requestErrors(operation: Operation, body: unknown): Promise<string[]> {
  if (typeof body !== "object" || body === null) {
    return [`$: the body is not a JSON object: ${JSON.stringify(body).slice(0, 80)}`];
  }
  return (await specCheck(operation, "request"))(body).errors;
}
