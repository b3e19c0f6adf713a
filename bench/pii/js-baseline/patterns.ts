/**
 * The engine's built-in patterns (`wasm/pii/src/patterns.rs`) as JavaScript RegExps. JavaScript
 * has look-behind, so the boundary checks the Rust validators do by hand are written into the
 * patterns here where that is the natural JavaScript form.
 */
export const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b/g;

export const PHONE = new RegExp(
  [
    String.raw`\+[1-9][0-9]{0,3}(?:[ .-]?\([0-9]{1,4}\))?(?:[ .-]?[0-9]{1,5}){1,5}(?: ?x[0-9]{1,5})?`,
    String.raw`\([0-9]{2,4}\) ?[0-9]{2,5}(?:[ .-][0-9]{2,5}){0,3}(?: ?x[0-9]{1,5})?`,
    String.raw`\b[0-9]{2,5}(?:[ .-][0-9]{2,8}){1,4}(?: ?x[0-9]{1,5})?`,
    String.raw`\b[0-9]{10}(?: ?x[0-9]{1,5})?`,
  ].join("|"),
  "g",
);

export const CARD = /(?<![\w.-])[0-9](?:[ -]?[0-9]){11,18}\b/g;
export const SSN = /(?<![\w.-])[0-9]{3}-[0-9]{2}-[0-9]{4}\b/g;

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
export const IPV4 = new RegExp(String.raw`(?<![\w.])(?:${OCTET}\.){3}${OCTET}\b(?!\.\d)`, "g");

export const IPV6_START = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f:]|::[0-9A-Fa-f])/g;
export const IBAN_START = /\b[A-Za-z]{2}[0-9]{2} ?[A-Za-z0-9]{4}/g;
export const AWS_ACCESS_KEY = /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g;

export const API_KEY = new RegExp(
  String.raw`\b(?:sk-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}` +
    String.raw`|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}` +
    String.raw`|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}(?![\w-])` +
    String.raw`|glpat-[0-9A-Za-z_-]{20,})`,
  "g",
);

export const BEARER = /\b[Bb]earer[ \t]{1,4}([A-Za-z0-9._~+/-]{16,}=*)/g;
export const JWT_START = /\beyJ[A-Za-z0-9_-]/g;
export const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;
