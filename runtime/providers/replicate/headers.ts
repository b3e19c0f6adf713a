import type { Target } from "../codec.ts";

/** Headers of every call after the create call: the config's extra headers and the token. */
export function followUpHeaders(target: Target, accept: string): Record<string, string> {
  const headers: Record<string, string> = { ...target.headers, accept };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return headers;
}
