import { expect, test } from "bun:test";
import type { NexusError } from "../../runtime/errors/nexus-error.ts";

/** One provider error response and the NexusError fields it must become. */
export interface StatusErrorCase {
  name: string;
  status: number;
  body: string;
  retryAfter?: string;
  expected: { code: string; status: number; type: string; retryAfter: string | null };
  messagePart: string;
}

/** Registers one test per case that decodes the response and checks each field apart. */
export function testStatusErrorCases(
  decodeError: (status: number, headers: Headers, bodyText: string) => NexusError,
  cases: StatusErrorCase[],
): void {
  for (const { name, status, body, retryAfter, expected, messagePart } of cases) {
    test(name, () => {
      const headers = new Headers(retryAfter === undefined ? {} : { "retry-after": retryAfter });
      const error = decodeError(status, headers, body);
      expect(error.code).toBe(expected.code as typeof error.code);
      expect(error.status).toBe(expected.status);
      expect(error.type).toBe(expected.type as typeof error.type);
      expect(error.retryAfter).toBe(expected.retryAfter);
      expect(error.message).toContain(messagePart);
    });
  }
}
