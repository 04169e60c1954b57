/**
 * Kubernetes resource quantities ("500m", "2", "512Mi", "10Gi"), parsed to exact
 * integers so ceilings can be compared without float drift: CPU in millicores,
 * everything else in bytes (or plain units).
 */

const BINARY: Record<string, bigint> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
};
const DECIMAL: Record<string, bigint> = {
  "": 1n,
  k: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  P: 1000n ** 5n,
};

const QUANTITY = /^(\d+)(?:\.(\d+))?(m|Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

/** Quantities repeat across a fleet ("500m", "1Gi"): parse each distinct one once. */
const parsed = new Map<string, bigint | undefined>();

/** Parses a quantity to thousandths of its base unit (so "500m" -> 500n, "2" -> 2000n). */
export function parseMilli(text: string): bigint | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const value = parseUncached(text);
  if (parsed.size < 10_000) parsed.set(text, value);
  return value;
}

function parseUncached(text: string): bigint | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, whole = "0", frac = "", suffix = ""] = match;
  const fracMilli = BigInt((frac + "000").slice(0, 3));
  if (frac.length > 3 && /[1-9]/.test(frac.slice(3))) return undefined; // finer than 1m is not representable
  const milli = BigInt(whole) * 1000n + fracMilli;
  if (suffix === "m") return frac === "" ? BigInt(whole) : undefined;
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return factor === undefined ? undefined : milli * factor;
}

export function isQuantity(text: string): boolean {
  return parseMilli(text) !== undefined;
}

/** CPU in millicores. */
export function cpuMillis(text: string): bigint {
  return mustParse(text);
}

/** Memory or storage in bytes (rounded up: a fraction of a byte still needs a byte). */
export function bytes(text: string): bigint {
  const milli = mustParse(text);
  return (milli + 999n) / 1000n;
}

function mustParse(text: string): bigint {
  const value = parseMilli(text);
  if (value === undefined) throw new RangeError(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  return value;
}

/** Formats millicores the way kubectl prints them ("1500m", "2"). */
export function formatCpu(millis: bigint): string {
  return millis % 1000n === 0n ? String(millis / 1000n) : `${millis}m`;
}

/** Formats bytes with the largest binary suffix that divides them exactly. */
export function formatBytes(value: bigint): string {
  for (const suffix of ["Pi", "Ti", "Gi", "Mi", "Ki"] as const) {
    const factor = BINARY[suffix];
    if (factor !== undefined && value % factor === 0n && value >= factor) return `${value / factor}${suffix}`;
  }
  return String(value);
}
