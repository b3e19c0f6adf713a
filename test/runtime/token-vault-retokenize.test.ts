import { describe, expect, test } from "bun:test";
import { TokenVault } from "../../runtime/hooks/token-vault.ts";

const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

describe("TokenVault.retokenize", () => {
  test("replaces issued values with tokens", () => {
    const vault = new TokenVault();
    const email = vault.tokenFor("email", "jane@example.com");
    const phone = vault.tokenFor("phone", "555 0100");
    const text = "mail jane@example.com or call 555 0100, jane@example.com again";

    expect(vault.retokenize(text)).toBe(`mail ${email} or call ${phone}, ${email} again`);
  });

  test("round-trips with restore", () => {
    const vault = new TokenVault();
    const tokenized = `Write to ${vault.tokenFor("email", "a.b@example.org")} today`;

    expect(vault.retokenize(vault.restore(tokenized))).toBe(tokenized);
  });

  test("longer value wins over contained value", () => {
    const vault = new TokenVault();
    const short = vault.tokenFor("name", "Ann");
    const long = vault.tokenFor("email", "Ann@example.com");

    expect(vault.retokenize("Ann@example.com and Ann")).toBe(`${long} and ${short}`);
  });

  test("leaves text without issued values alone", () => {
    const vault = new TokenVault();
    vault.tokenFor("email", "x@example.com");
    const text = "nothing here but [EMAIL_9] and y@example.com";

    expect(vault.retokenize(text)).toBe(text);
    expect(new TokenVault().retokenize("x@example.com")).toBe("x@example.com");
  });

  test("treats regex characters literally", () => {
    const vault = new TokenVault();
    const token = vault.tokenFor("secret", "a.c+(d)");

    expect(vault.retokenize("abc+(d) a.c+(d)")).toBe(`abc+(d) ${token}`);
  });

  test("replaces the encoded form too", () => {
    const vault = new TokenVault();
    const token = vault.tokenFor("name", 'say "hi"\\now');
    const json = JSON.stringify({ content: 'x say "hi"\\now y' });

    expect(vault.retokenize(json, jsonEscape)).toBe(JSON.stringify({ content: `x ${token} y` }));
  });
});
