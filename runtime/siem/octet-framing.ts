/**
 * Frames a syslog message for a stream transport by octet counting (RFC 6587 section 3.4.1,
 * also RFC 5425 section 4.3): `MSG-LEN SP SYSLOG-MSG`, where MSG-LEN is the message's length
 * in bytes, not characters. Unlike newline framing it lets a message contain line breaks.
 */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}
