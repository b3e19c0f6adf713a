/**
 * JavaScript ports of the engine's validators (`wasm/pii/src/validate/`), with the same rules,
 * so the baseline finds the same items and the throughput comparison is like for like.
 */

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function cardValid(text: string): boolean {
  const separators = new Set(text.replace(/[0-9]/g, ""));
  if (separators.size > 1) return false;
  const digits = text.replace(/[^0-9]/g, "");
  if (digits.length < 12 || digits.length > 19) return false;
  if (digits.length === 12 && !/^(?:50|5[6-9]|6|0604)/.test(digits)) return false;
  if (/^(\d)\1*$/.test(digits)) return false;
  return luhnValid(digits);
}

export function ssnValid(text: string): boolean {
  const area = text.slice(0, 3);
  if (area === "000" || area === "666" || area[0] === "9") return false;
  return text.slice(4, 6) !== "00" && text.slice(7) !== "0000";
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15,
  PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19,
  SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** End of the IBAN starting at `start`, or -1. */
export function ibanEnd(text: string, start: number): number {
  const length = IBAN_LENGTHS[text.slice(start, start + 2).toUpperCase()];
  if (!length) return -1;
  let chars = "";
  let pos = start;
  while (chars.length < length) {
    const c = text[pos];
    if (c === undefined) return -1;
    if (c === " " && chars.length % 4 === 0 && chars.length > 0 && text[pos + 1] !== " ") {
      pos++;
      continue;
    }
    if (!/[A-Za-z0-9]/.test(c)) return -1;
    chars += c;
    pos++;
  }
  if (/[A-Za-z0-9]/.test(text[pos] ?? "")) return -1;
  if (!/^..[0-9]{2}/.test(chars) || (/[A-Z]/.test(chars) && /[a-z]/.test(chars))) return -1;

  const rotated = (chars.slice(4) + chars.slice(0, 4)).toUpperCase();
  let remainder = 0;
  for (const c of rotated) {
    const code = c.charCodeAt(0);
    remainder = code <= 57 ? (remainder * 10 + code - 48) % 97 : (remainder * 100 + code - 55) % 97;
  }
  return remainder === 1 ? pos : -1;
}

/** End of the IPv6 address starting at `start`, or -1. */
export function ipv6End(text: string, start: number): number {
  const match = /^(?:::)?(?:[0-9A-Fa-f]+(?:::|:(?=[0-9A-Fa-f]))?)*/.exec(text.slice(start, start + 46));
  let candidate = match ? match[0] : "";
  // A dotted IPv4 tail starts inside the last "group" the hex pattern took.
  if (text[start + candidate.length] === ".") candidate = candidate.replace(/[0-9A-Fa-f]+$/, "");
  const tail = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/.exec(text.slice(start + candidate.length));
  const compressed = candidate.includes("::");
  if (tail) {
    if (tail.slice(1).some((octet) => Number(octet) > 255)) return -1;
    candidate += tail[0];
  }
  const head = tail ? candidate.slice(0, candidate.length - tail[0].length) : candidate;
  if ((head.match(/::/g) ?? []).length > 1) return -1;
  const groups = head.split(/::?/).filter((g) => g !== "");
  if (groups.some((g) => g.length > 4)) return -1;
  const count = groups.length + (tail ? 2 : 0);
  if (compressed ? count > 7 : count !== 8) return -1;
  if (count === 0) return -1;
  if (compressed && !/[0-9]/.test(candidate)) return -1;
  const next = text[start + candidate.length] ?? "";
  if (/[\w:]/.test(next)) return -1;
  return start + candidate.length;
}

const CONTEXT_WORDS = /phone|tel|mobile|cell|fax|call|desk|office|contact|number|reach|text|sms|whatsapp|message|answering|dial/i;

export function phoneValid(text: string, start: number, end: number): boolean {
  const before = text[start - 1] ?? "";
  if (/[\w+.\-/]/.test(before)) return false;
  if (before === " " && /[0-9]/.test(text[start - 2] ?? "")) return false;
  const after = text[end] ?? "";
  if (/\w/.test(after) || (/[.\-/]/.test(after) && /[0-9]/.test(text[end + 1] ?? ""))) {
    return false;
  }

  const number = text.slice(start, end);
  const extension = / ?x[0-9]+$/.exec(number);
  const core = extension ? number.slice(0, extension.index) : number;
  const plus = core.startsWith("+");
  const bracketed = core.startsWith("(");
  const digits = core.replace("(0)", "").replace(/[^0-9]/g, "").length;
  if (plus ? digits < 8 || digits > 15 : core.startsWith("00") ? digits < 9 || digits > 15 : digits < 7 || digits > 12) {
    return false;
  }

  const body = core.replace(/^\+[0-9]+ ?/, "").replace("(0)", "").replace(/^\([0-9]+\) ?/, "");
  const separators = new Set(body.replace(/[0-9()]/g, ""));
  const separator = [...separators][0] ?? "";
  const groups = core.split(/[^0-9]+/).filter((g) => g !== "").map((g) => g.length);
  if (!plus) {
    if (separators.size > 1) return false;
    if (!bracketed && groups.length === 3 && (separator === "." || separator === "-")) {
      const [a, b, c] = groups as [number, number, number];
      if ((a === 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && c === 4)) return false;
      if (a === 3 && b === 2 && c === 4 && separator === "-") return false;
    }
    if (!bracketed && groups.length === 4 && separator === "." && groups.every((g) => g <= 3)) {
      return false;
    }
  }
  const joined = separator === "-" || separator === ".";
  if (plus || bracketed || extension || (groups.length >= 3 && joined)) return true;
  const around = text.slice(Math.max(0, start - 48), start) + " " + text.slice(end, end + 16);
  return CONTEXT_WORDS.test(around);
}

/** End of the JWT starting at `start`, or -1. */
export function jwtEnd(text: string, start: number): number {
  const match = /^([A-Za-z0-9_-]{1,1024})((?:\.[A-Za-z0-9_-]*){2}|(?:\.[A-Za-z0-9_-]*){4})(?![\w.])/.exec(
    text.slice(start, start + 200_000),
  );
  if (!match || match[2]!.startsWith("..")) return -1;
  try {
    const header = atob(match[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    const trimmed = header.trim();
    if (!trimmed.startsWith("{") || !trimmed.endsWith("}") || !/"alg"\s*:/.test(trimmed)) return -1;
  } catch {
    return -1;
  }
  return start + match[0].length;
}

/** End of the PEM block whose BEGIN line ends at `headerEnd`. */
export function pemEnd(text: string, headerEnd: number): number {
  const body = /^(?:[A-Za-z0-9+/= \t\r\n\\:,]|-(?!-))*/.exec(text.slice(headerEnd, headerEnd + 65536));
  let pos = headerEnd + body![0].length;
  const end = /^-----END [^-]{0,64}-----/.exec(text.slice(pos, pos + 80));
  if (end) return pos + end[0].length;
  while (pos > headerEnd && /\s/.test(text[pos - 1]!)) pos--;
  return pos;
}

export function looksRandom(token: string): boolean {
  return /[0-9]/.test(token) && /[A-Za-z]/.test(token);
}
