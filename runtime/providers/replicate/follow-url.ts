/**
 * Checks the URLs a prediction hands out (`urls.get`, `urls.cancel`, `urls.stream`) before the
 * gateway sends its credential to them. Only the configured API's origin is followed, so an
 * upstream that is hostile or broken cannot steer the gateway, and its Bearer token, to
 * another host.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import type { Prediction, PredictionUrls } from "./wire.ts";

export type UrlRole = keyof Pick<PredictionUrls, "get" | "cancel" | "stream">;

/**
 * Returns `urls[role]` when it is on the origin of `baseUrl`. A stream URL may also be on a
 * subdomain of the API host over HTTPS, because Replicate serves streams from
 * `streaming.api.replicate.com` next to `api.replicate.com`. Throws a 502 for any other URL,
 * and for a missing one.
 */
export function followableUrl(prediction: Prediction, role: UrlRole, baseUrl: string): string {
  const raw = prediction.urls?.[role];
  if (typeof raw !== "string" || raw === "") {
    throw refused(`the prediction has no urls.${role}`);
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(`urls.${role} is not a valid URL`);
  }
  const base = new URL(baseUrl);
  if (url.origin === base.origin) return url.href;
  if (role === "stream" && isHttpsSubdomain(url, base)) return url.href;

  throw refused(
    `urls.${role} points at ${url.origin}, not at the configured baseUrl's origin ` +
      `${base.origin}, so the gateway does not follow it`,
  );
}

function isHttpsSubdomain(url: URL, base: URL): boolean {
  return url.protocol === "https:" && base.protocol === "https:" && url.port === base.port &&
    url.hostname.endsWith(`.${base.hostname}`);
}

function refused(reason: string): NexusError {
  return new NexusError("upstream_invalid_response", `Replicate sent an unusable prediction: ` +
    `${reason}.`, { status: 502, type: "api_error" });
}
