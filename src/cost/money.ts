/**
 * Money in the cost core: bigint micro-units of the currency's minor unit (1 cent =
 * 1,000,000 micros). Hourly shares of a node price are far below a cent, so amounts stay
 * exact integers through allocation and sums; rounding to minor units happens once, on
 * the invoice line (toMinor).
 */

/** Millionths of a minor unit (for EUR/USD: of a cent). */
export type Micros = bigint;

export const MICROS_PER_MINOR = 1_000_000n;

/** ISO 4217 currencies without two decimals; every other code has two. */
const MINOR_DIGITS: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency.toUpperCase()] ?? 2;
}

export function fromMinor(minor: number | bigint): Micros {
  return BigInt(minor) * MICROS_PER_MINOR;
}

/** Rounds half away from zero to whole minor units: the one rounding step, at the invoice line. */
export function toMinor(micros: Micros): bigint {
  const half = MICROS_PER_MINOR / 2n;
  return micros >= 0n ? (micros + half) / MICROS_PER_MINOR : -((-micros + half) / MICROS_PER_MINOR);
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * Parses a decimal amount in major units ("12.3456789", "-0.5", "1.2E-05", as cost exports
 * write them) to micros exactly; digits beyond micro precision are rounded half away from zero.
 */
export function parseMajor(text: string, currency: string): Micros | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign = "", whole = "", frac = "", exp = "0"] = m;
  if (whole === "" && frac === "") return undefined;
  // Move the decimal point by the exponent on the digit string, never through a float.
  const digits = whole + frac;
  const point = whole.length + Number(exp);
  const padded = point < 0 ? "0".repeat(-point) + digits : digits.padEnd(point, "0");
  const at = Math.max(point, 0);
  const intPart = padded.slice(0, at);
  const fracPart = padded.slice(at);
  const scale = minorDigits(currency) + 6; // major -> minor -> micros
  const kept = (fracPart + "0".repeat(scale)).slice(0, scale);
  let value = BigInt(intPart === "" ? "0" : intPart) * 10n ** BigInt(scale) + BigInt(kept);
  const next = fracPart.charAt(scale);
  if (next !== "" && Number(next) >= 5) value += 1n;
  return sign === "-" ? -value : value;
}

/** Formats minor units as a major-unit decimal string ("12345" EUR -> "123.45"). */
export function formatMinor(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  const text = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  return negative ? `-${text}` : text;
}

/** Micros as a major-unit number, for JSON consumers that expect floats (OpenCost's API). */
export function microsToMajorNumber(micros: Micros, currency: string): number {
  const scale = 10n ** BigInt(minorDigits(currency) + 6);
  const whole = micros / scale;
  const rest = micros % scale;
  return Number(whole) + Number(rest) / Number(scale);
}

/**
 * Splits `total` into integer parts proportional to `weights`, summing exactly to
 * `total` (largest remainder; ties go to the earlier index so the result is stable).
 * All weights zero: the parts are all zero except that nothing can be placed, so the
 * caller must handle that case (returns undefined).
 */
export function splitByWeights(total: bigint, weights: readonly bigint[]): bigint[] | undefined {
  let sum = 0n;
  for (const w of weights) {
    if (w < 0n) throw new Error("splitByWeights: negative weight");
    sum += w;
  }
  if (sum === 0n) return undefined;
  const parts: bigint[] = [];
  const remainders: bigint[] = [];
  let placed = 0n;
  for (const w of weights) {
    const product = total * w;
    const part = product / sum;
    parts.push(part);
    remainders.push(product % sum);
    placed += part;
  }
  let left = total - placed;
  if (left > 0n) {
    const order = remainders.map((r, i) => ({ r, i })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
    for (const { i } of order) {
      if (left === 0n) break;
      parts[i] = (parts[i] ?? 0n) + 1n;
      left -= 1n;
    }
  }
  return parts;
}
