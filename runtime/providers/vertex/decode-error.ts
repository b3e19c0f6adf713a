/**
 * Maps a Vertex error response. Claude models send Anthropic's error shape
 * (`{"type": "error", "error": {…}}`). Gemini models, and Vertex's own front end for both
 * (authentication, quota), send a google.rpc.Status (`{"error": {"code", "status"}}`).
 */

import { decodeError as decodeClaudeError } from "../anthropic/decode-error.ts";
import type { NexusError } from "../../errors/nexus-error.ts";
import { decodeError as decodeGoogleError } from "../gemini/decode-error.ts";

export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  if (isClaudeError(bodyText)) return decodeClaudeError(status, headers, bodyText);
  return decodeGoogleError(status, headers, bodyText);
}

function isClaudeError(bodyText: string): boolean {
  try {
    return (JSON.parse(bodyText) as { type?: unknown } | null)?.type === "error";
  } catch {
    return false;
  }
}
