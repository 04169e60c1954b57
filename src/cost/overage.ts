/**
 * Billing above a tier's allowance. The base fee includes, per calendar month, some CPU
 * core-hours, memory GiB-hours, disk GiB-months and egress GiB; what a tenant was allocated
 * beyond that is billed per unit at the tier's overage price, with the platform's markup.
 *
 * "Allocated" is what the allocation charged the tenant for: max(request, usage) per
 * container and hourly window, the PVC bytes it requested each hour, the bytes it sent out
 * of the cluster. Quantities stay in the allocation's integer base units (millicore-hours,
 * byte-hours, bytes) so the excess is exact; the line amount is one fraction rounded once,
 * to minor units, so neither a sub-micro truncation nor the markup can move a cent. Pure.
 */
import { MICROS_PER_MINOR, minorDigits, type Micros } from "./money.js";

export const GIB = 1024n ** 3n;
/** The cloud price sheets' month, the one usagePrices.storagePerGiBMonth uses too. */
export const HOURS_PER_MONTH = 730n;

export const OVERAGE_RESOURCES = ["cpu", "memory", "storage", "egress"] as const;
export type OverageResource = (typeof OVERAGE_RESOURCES)[number];

/** A month's allocated quantities, in base units; the allowance uses the same units. */
export type UsageQuantities = Readonly<Record<OverageResource, bigint>>;

export interface TierPlan {
  /** Included in the base fee, per month, in base units. */
  readonly allowance: UsageQuantities;
  /** Per billing unit (core-hour, GiB-hour, GiB-month, GiB), in micros. */
  readonly unitPrice: Readonly<Record<OverageResource, Micros>>;
}

interface Unit {
  /** Base units in one billing unit. */
  readonly base: bigint;
  readonly name: string;
  /** One billing unit, as the price is quoted. */
  readonly one: string;
  readonly label: string;
}

export const UNITS: Readonly<Record<OverageResource, Unit>> = {
  cpu: { base: 1000n, name: "core-hours", one: "core-hour", label: "CPU" }, // millicore-hours
  memory: { base: GIB, name: "GiB-hours", one: "GiB-hour", label: "Memory" }, // byte-hours
  storage: { base: GIB * HOURS_PER_MONTH, name: "GiB-months", one: "GiB-month", label: "Disk" }, // byte-hours
  egress: { base: GIB, name: "GiB", one: "GiB", label: "Egress" }, // bytes
};

export const NO_USAGE: UsageQuantities = { cpu: 0n, memory: 0n, storage: 0n, egress: 0n };

/** A plan that bills nothing above the base fee: the default, so existing invoices do not change. */
export const BASE_FEE_ONLY: TierPlan = { allowance: NO_USAGE, unitPrice: { cpu: 0n, memory: 0n, storage: 0n, egress: 0n } };

export interface OverageCharge {
  readonly resource: OverageResource;
  readonly used: bigint;
  readonly allowance: bigint;
  /** max(0, used - allowance), in base units. */
  readonly excess: bigint;
  readonly unitPrice: Micros;
}

/** Every resource with something above its allowance and a price for it. */
export function overageCharges(usage: UsageQuantities, plan: TierPlan): OverageCharge[] {
  const out: OverageCharge[] = [];
  for (const resource of OVERAGE_RESOURCES) {
    const used = usage[resource];
    const allowance = plan.allowance[resource];
    const excess = used > allowance ? used - allowance : 0n;
    const unitPrice = plan.unitPrice[resource];
    if (excess > 0n && unitPrice > 0n) out.push({ resource, used, allowance, excess, unitPrice });
  }
  return out;
}

/** Markup percent as basis points, so multiplying by it stays integer (20.5% -> 2050). */
export function markupBasisPoints(percent: number): bigint {
  return BigInt(Math.round(percent * 100));
}

/** n / d rounded half away from zero (d > 0): the one rounding step of a line. */
export function divRound(n: bigint, d: bigint): bigint {
  const q = (n < 0n ? -n : n) * 2n + d;
  const r = q / (2n * d);
  return n < 0n ? -r : r;
}

/** The charge's invoice line in whole minor units: excess x unit price x (1 + markup), rounded once. */
export function overageMinor(c: OverageCharge, markupBp: bigint): bigint {
  return divRound(c.excess * c.unitPrice * (10_000n + markupBp), UNITS[c.resource].base * 10_000n * MICROS_PER_MINOR);
}

/** A quantity in base units as billing units with two decimals, for the line's text only. */
export function formatQuantity(resource: OverageResource, base: bigint): string {
  const hundredths = divRound(base * 100n, UNITS[resource].base).toString().padStart(3, "0");
  return `${hundredths.slice(0, -2)}.${hundredths.slice(-2)}`;
}

/** Micros as a major-unit decimal, keeping fractions of a cent a unit price may have ("0.004"). */
export function formatUnitPrice(micros: Micros, currency: string): string {
  const digits = minorDigits(currency);
  const text = micros.toString().padStart(digits + 7, "0");
  const whole = text.slice(0, -(digits + 6));
  const frac = text.slice(-(digits + 6)).replace(/0+$/, "").padEnd(digits, "0");
  return frac === "" ? whole : `${whole}.${frac}`;
}

export function overageDescription(c: OverageCharge, currency: string, markupPercent: number): string {
  const u = UNITS[c.resource];
  const markup = markupPercent === 0 ? "" : ` plus ${markupPercent}%`;
  return `${u.label} above the allowance: ${formatQuantity(c.resource, c.excess)} of ${formatQuantity(c.resource, c.used)} ${u.name} (${formatQuantity(c.resource, c.allowance)} included) at ${formatUnitPrice(c.unitPrice, currency)} ${currency} per ${u.one}${markup}`;
}
