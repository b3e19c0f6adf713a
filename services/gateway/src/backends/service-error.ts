import { maskServiceUrl } from "../../../../runtime/storage/service-url.ts";

/** A production service named in the config is unreachable, or not set up, at boot. */
export class BackendUnavailableError extends Error {
  override readonly name = "BackendUnavailableError";
  readonly code = "backend_unavailable";
}

/** Returns `url` with its credentials replaced by `***`, fit for logs and error messages. */
export function maskUrl(url: string): string {
  return maskServiceUrl(url);
}

/** Returns the innermost message of an error chain, which names the actual failure. */
export function rootMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
