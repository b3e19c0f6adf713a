/** The URL schemes each production service accepts, as its client library parses them. */
export const SERVICE_URL_SCHEMES = {
  postgres: ["postgres:", "postgresql:"],
  valkey: ["redis:", "rediss:", "valkey:", "valkeys:"],
  nats: ["nats:", "tls:"],
} as const;

/** A production service whose URL the config names. */
export type ServiceName = keyof typeof SERVICE_URL_SCHEMES;

/** Query parameters that carry a credential, such as libpq's `password` and `sslpassword`. */
const SECRET_PARAM = /pass|secret|token/i;

/**
 * Returns `url` with the password of its user info and every credential query parameter
 * (`password`, `pass`, `sslpassword`, `token` …) replaced by `***`, fit for logs and error
 * messages. A comma-separated list is masked URL by URL. Anything that does not parse as a URL
 * becomes `(invalid URL)`, because its credential cannot be found to mask.
 */
export function maskServiceUrl(url: string): string {
  return url.split(",").map((part) => maskOne(part.trim())).join(",");
}

function maskOne(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(invalid URL)";
  }
  if (parsed.password !== "") parsed.password = "***";
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "***");
  }
  // URLSearchParams encodes `*` as `%2A`; the literal reads better in a log.
  return parsed.toString().replaceAll("%2A%2A%2A", "***");
}

/**
 * Returns why `url` is not a usable URL for `service`, or null when it is. NATS takes a
 * comma-separated list of servers. The message never quotes the URL, since it may carry a
 * password.
 */
export function serviceUrlProblem(service: ServiceName, url: string): string | null {
  const schemes: readonly string[] = SERVICE_URL_SCHEMES[service];
  const expected = schemes.map((scheme) => `${scheme}//`).join(", ");
  const parts = service === "nats" ? url.split(",").map((part) => part.trim()) : [url];
  for (const part of parts) {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      return `not a URL; expected one starting with ${expected} (value not shown, it may ` +
        "contain a password)";
    }
    if (!schemes.includes(parsed.protocol)) {
      return `unsupported URL scheme; expected ${expected}`;
    }
    if (parsed.hostname === "") return `the URL names no host; expected ${expected}host:port`;
  }
  return null;
}
