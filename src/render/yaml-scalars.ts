/**
 * How a scalar is written so that a YAML 1.1 reader (go-yaml v2 behind sigs.k8s.io/yaml,
 * i.e. kubectl, Argo CD, Helm) reads back exactly the value we meant.
 *
 * These are the scalar rules of the writer Landlord used before (js-yaml 4 with
 * sortKeys, lineWidth -1, noRefs and compat mode on), kept rule for rule so that the
 * output stays byte-identical (test/render/serialize.test.ts holds a recorded corpus):
 * strings a YAML 1.1 or 1.2 reader would resolve to null, a boolean (`yes`, `on`, `n`),
 * a number (`0755`, `1e3`, `.5`, `1:20`), a timestamp or the merge key are
 * single-quoted; strings with characters that cannot be written raw are double-quoted
 * with escapes; multi-line values become literal blocks (`|`); the rest is plain.
 *
 * Known gaps, inherited and kept for byte-identity: go-yaml v2 also reads digits with
 * underscores (`1_000`), a sign before a leading dot (`+.5`) and upper-case base
 * prefixes (`0X1F`) as numbers, and these are written plain.
 */

const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const BOM = 0xfeff;

/** YAML 1.1 booleans that YAML 1.2 core schema does not know. */
const YAML11_BOOLEANS = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"]);
/** YAML 1.1 sexagesimal numbers, e.g. 1:20 or 190:20:30.15. */
const YAML11_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

const ESCAPES = new Map<number, string>([
  [0x00, "\\0"],
  [0x07, "\\a"],
  [0x08, "\\b"],
  [0x09, "\\t"],
  [0x0a, "\\n"],
  [0x0b, "\\v"],
  [0x0c, "\\f"],
  [0x0d, "\\r"],
  [0x1b, "\\e"],
  [0x22, '\\"'],
  [0x5c, "\\\\"],
  [0x85, "\\N"],
  [0xa0, "\\_"],
  [0x2028, "\\L"],
  [0x2029, "\\P"],
]);

/** Characters that may be written raw (YAML 1.2 c-printable minus tab, NEL, NBSP, LS, PS, BOM). */
function isPrintable(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa1 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) ||
    (c >= 0xe000 && c <= 0xfffd && c !== BOM) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

function isWhitespace(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isNsCharOrWhitespace(c: number): boolean {
  return isPrintable(c) && c !== BOM && c !== CARRIAGE_RETURN && c !== LINE_FEED;
}

/** ns-plain-char in block context: no '#' after a space, no ':' before a space. */
function isPlainSafe(c: number, prev: number): boolean {
  const cIsNsCharOrWhitespace = isNsCharOrWhitespace(c);
  const cIsNsChar = cIsNsCharOrWhitespace && !isWhitespace(c);
  return (
    (cIsNsCharOrWhitespace && c !== 0x23 /* # */ && !(prev === 0x3a /* : */ && !cIsNsChar)) ||
    (isNsCharOrWhitespace(prev) && !isWhitespace(prev) && c === 0x23) ||
    (prev === 0x3a && cIsNsChar)
  );
}

/** Indicator characters (and whitespace) that may not start a plain scalar. */
const NOT_FIRST = new Set(Array.from("-?:,[]{}#&*!|=>'\"%@`", (ch) => ch.charCodeAt(0)));

function isPlainSafeFirst(c: number): boolean {
  return isPrintable(c) && c !== BOM && !isWhitespace(c) && !NOT_FIRST.has(c);
}

function isPlainSafeLast(c: number): boolean {
  return !isWhitespace(c) && c !== 0x3a;
}

/** The code point at i, or the lone surrogate when it is not a pair. */
function codePointAt(s: string, i: number): number {
  const first = s.charCodeAt(i);
  if (first >= 0xd800 && first <= 0xdbff && i + 1 < s.length) {
    const second = s.charCodeAt(i + 1);
    if (second >= 0xdc00 && second <= 0xdfff) return (first - 0xd800) * 0x400 + second - 0xdc00 + 0x10000;
  }
  return first;
}

// --- Would a reader resolve this plain text to something other than a string? ---

function isNullText(s: string): boolean {
  return s === "~" || s === "null" || s === "Null" || s === "NULL";
}

function isBoolText(s: string): boolean {
  return s === "true" || s === "True" || s === "TRUE" || s === "false" || s === "False" || s === "FALSE";
}

function parseIntText(s: string): number {
  let value = s;
  let sign = 1;
  const ch = value[0];
  if (ch === "-" || ch === "+") {
    if (ch === "-") sign = -1;
    value = value.slice(1);
  }
  if (value === "0") return 0;
  if (value[0] === "0") {
    if (value[1] === "b") return sign * parseInt(value.slice(2), 2);
    if (value[1] === "x") return sign * parseInt(value.slice(2), 16);
    if (value[1] === "o") return sign * parseInt(value.slice(2), 8);
  }
  return sign * parseInt(value, 10);
}

const INT_DIGITS: Record<string, RegExp> = { b: /^[01]+$/, x: /^[0-9a-fA-F]+$/, o: /^[0-7]+$/ };

/** Decimal (leading zeros included, so 0755), 0b, 0o and 0x integers. */
function isIntText(s: string): boolean {
  if (s === "") return false;
  let i = s[0] === "-" || s[0] === "+" ? 1 : 0;
  if (s[i] === "0") {
    if (i + 1 === s.length) return true;
    const digits = INT_DIGITS[s[i + 1] ?? ""];
    if (digits) return digits.test(s.slice(i + 2)) && isFinite(parseIntText(s));
    i++;
  }
  const rest = s.slice(i);
  return /^[0-9]+$/.test(rest) && isFinite(parseIntText(s));
}

const FLOAT = /^(?:[-+]?(?:[0-9]+)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function isFloatText(s: string): boolean {
  return FLOAT.test(s) && (isFinite(parseFloat(s)) || FLOAT_SPECIAL.test(s));
}

const DATE = /^([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$/;
const TIMESTAMP =
  /^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?$/;

function isAmbiguous(s: string): boolean {
  return isNullText(s) || isBoolText(s) || isIntText(s) || isFloatText(s) || DATE.test(s) || TIMESTAMP.test(s) || s === "<<";
}

// --- Styles ---

function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function encodeHex(c: number): string {
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (c <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}

function doubleQuoted(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const c = codePointAt(s, i);
    const escape = ESCAPES.get(c);
    if (escape === undefined && isPrintable(c)) out += s.slice(i, c >= 0x10000 ? i + 2 : i + 1);
    else out += escape ?? encodeHex(c);
    i += c >= 0x10000 ? 2 : 1;
  }
  return `"${out}"`;
}

/**
 * The text of a string written on one line, or null when it holds line breaks and is
 * otherwise printable: then it is a literal block as a value (see literalBlock) and
 * double-quoted as a key (see quotedKey). Depends on nothing but the string, so callers
 * may cache it per distinct string.
 */
export function inlineText(s: string): string | null {
  if (s.length === 0) return "''";
  if (YAML11_BOOLEANS.has(s) || YAML11_BASE60.test(s)) return `'${s}'`;
  let plain = isPlainSafeFirst(codePointAt(s, 0)) && isPlainSafeLast(codePointAt(s, s.length - 1));
  let lineBreak = false;
  let prev = -1;
  for (let i = 0; i < s.length; ) {
    const c = codePointAt(s, i);
    if (c === LINE_FEED) lineBreak = true;
    else if (!isPrintable(c)) return doubleQuoted(s);
    plain = plain && isPlainSafe(c, prev);
    prev = c;
    i += c >= 0x10000 ? 2 : 1;
  }
  if (lineBreak) return blockSafe(s) ? null : doubleQuoted(s);
  return plain && !isAmbiguous(s) ? s : singleQuoted(s);
}

/**
 * A literal block made only of whitespace lines reads back empty: every line of it counts
 * as a trailing empty line, which chomping drops ("\n  " would come back as ""). Such
 * strings are double-quoted instead; a block with any visible character keeps its lines.
 */
function blockSafe(s: string): boolean {
  return !(/^\s*$/.test(s) && /[^\n]/.test(s));
}

/** A multi-line string as a mapping key: keys stay on one line. */
export function quotedKey(s: string): string {
  return doubleQuoted(s);
}

/** A multi-line string as a literal block whose content lines are indented by `indent` spaces. */
export function literalBlock(s: string, indent: number): string {
  const indicator = /^\n* /.test(s) ? "2" : "";
  const clip = s.endsWith("\n");
  const keep = clip && (s[s.length - 2] === "\n" || s === "\n");
  const chomp = keep ? "+" : clip ? "" : "-";
  const pad = " ".repeat(indent);
  let body = "";
  for (let pos = 0; pos < s.length; ) {
    const next = s.indexOf("\n", pos);
    const line = next === -1 ? s.slice(pos) : s.slice(pos, next + 1);
    pos = next === -1 ? s.length : next + 1;
    if (line.length > 0 && line !== "\n") body += pad;
    body += line;
  }
  return `|${indicator}${chomp}\n${body.endsWith("\n") ? body.slice(0, -1) : body}`;
}

/** Integers in decimal; floats with a dot before any exponent (5.e-7), .nan, .inf, -0.0. */
export function yamlNumber(n: number): string {
  if (n % 1 === 0 && !Object.is(n, -0)) return n.toString(10);
  if (Number.isNaN(n)) return ".nan";
  if (n === Infinity) return ".inf";
  if (n === -Infinity) return "-.inf";
  if (Object.is(n, -0)) return "-0.0";
  const text = n.toString(10);
  return /^[-+]?[0-9]+e/.test(text) ? text.replace("e", ".e") : text;
}
