/** The facts about one request that the request-aware strategies choose by. */
export interface RouteFacts {
  /** Returns a request header's value, or null when the request has none. */
  header(name: string): string | null;
  /** The parsed request body, for `metadata`, `user` and field paths. */
  body: unknown;
  /** The model name the client sent. */
  model: string;
  /** The id of the virtual key that sent the request. */
  keyId: string;
  /** Classification labels the request's compliance pipeline assigned. */
  labels: readonly string[];
}

/** Returns the value at a dotted path in a JSON value, or undefined when a step is missing. */
export function valueAtPath(root: unknown, path: string): unknown {
  let value = root;
  for (const step of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
