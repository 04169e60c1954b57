/**
 * Does a value look like a credential? Known token shapes first, then randomness: a long
 * value with the entropy of a generated key (hex digests and UUIDs stay below the
 * threshold). Here in util, the bottom layer, because both the spec checks (a credential
 * must never be written into a spec) and the redaction of outgoing text need it.
 */

const PATTERNS: readonly [RegExp, string][] = [
  [/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i, "a URL with a password"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON web token"],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, "an AWS access key"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}/, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bsk_(live|test)_[A-Za-z0-9]{16,}/, "a Stripe key"],
  [/AccountKey=[A-Za-z0-9+/=]{20,}/i, "an Azure storage connection string"],
  [/\bSharedAccessSignature=|[?&]sig=[A-Za-z0-9%+/=]{20,}/i, "an Azure SAS token"],
];

function entropyBitsPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Which known credential shape the value has, if any (no guessing by randomness). */
export function knownSecretShape(value: string): string | undefined {
  for (const [re, what] of PATTERNS) if (re.test(value)) return what;
  return undefined;
}

/** What the value looks like ("a private key", ...), or undefined when it looks harmless. */
export function looksLikeSecret(value: string): string | undefined {
  const shape = knownSecretShape(value);
  if (shape !== undefined) return shape;
  for (const token of value.split(/[\s,;"']+/)) {
    if (token.length < 24) continue;
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(token)).length;
    if (classes >= 3 && entropyBitsPerChar(token) >= 4.3) return "a random token (high entropy)";
  }
  return undefined;
}
