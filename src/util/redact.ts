/**
 * Text that leaves the process (errors, explain, logs) passes through here: a value a user
 * typed may hold a credential, and echoing it back would copy it into terminals, CI logs
 * and tickets.
 */
import { knownSecretShape, looksLikeSecret } from "./secret-shapes.js";

/** user:password@host, in a well-formed URL or in a mistyped one ("postgres//u:pw@h"). */
const URL_PASSWORD = /([A-Za-z0-9_.%+-]+):[^\s/@:'"]+@(?=[A-Za-z0-9[])/g;

/**
 * The text with URL passwords and credential-shaped tokens replaced by a marker. Free text
 * such as an error message is scanned for known shapes only: randomness alone would also
 * hide paths and ids the reader needs.
 */
export function redactSecrets(text: string): string {
  const withoutPasswords = text.replace(URL_PASSWORD, "$1:***@");
  return withoutPasswords
    .split(/(\s+)/)
    .map((part) => {
      if (part.trim() === "") return part;
      const bare = part.replace(/^['"`(]+|['"`),.;]+$/g, "");
      const what = bare.length > 0 && !bare.includes(":***@") ? knownSecretShape(bare) : undefined;
      return what === undefined ? part : part.replace(bare, `[redacted: ${what}]`);
    })
    .join("");
}

/** One configured value as shown to people: hidden whole when it looks like a secret at all. */
export function redactValue(value: string): string {
  const what = looksLikeSecret(value);
  return what === undefined ? redactSecrets(value) : `[redacted: ${what}]`;
}
