/** Accepts a caller's `x-request-id` when it is short and plain, so ids stay safe in logs. */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(headers: Headers): string {
  const given = headers.get("x-request-id");
  if (given !== null && ACCEPTED_ID.test(given)) return given;
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}
