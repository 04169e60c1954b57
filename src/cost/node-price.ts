/**
 * A node's hourly price split into its CPU part and its memory part, so that a container
 * heavy in one resource pays for that resource. Without per-resource prices (the series
 * node_cpu_hourly_cost and node_ram_hourly_cost), the split follows a reference ratio of
 * one vCPU-hour to one GiB-hour of list prices, as cost tools commonly do.
 */
import type { Micros } from "./money.js";

/** Reference list prices, per vCPU-hour and per GiB-hour, in any common unit: only their ratio matters. */
export const REFERENCE_CPU_PER_CORE_HOUR = 31_611n;
export const REFERENCE_RAM_PER_GIB_HOUR = 4_237n;
const GIB = 1024n ** 3n;

export interface NodePrice {
  readonly cpuCost: Micros;
  readonly ramCost: Micros;
}

/** Splits `price` exactly (cpuCost + ramCost = price) by the reference ratio. */
export function splitNodePrice(price: Micros, cpuMillis: bigint, memoryBytes: bigint): NodePrice {
  // Weights in (milli-core x GiB) units keep both terms integer without losing memory precision.
  const cpuWeight = cpuMillis * REFERENCE_CPU_PER_CORE_HOUR * GIB;
  const ramWeight = memoryBytes * REFERENCE_RAM_PER_GIB_HOUR * 1000n;
  const sum = cpuWeight + ramWeight;
  if (sum === 0n) return { cpuCost: price, ramCost: 0n };
  const cpuCost = (price * cpuWeight) / sum;
  return { cpuCost, ramCost: price - cpuCost };
}

/** From per-resource hourly prices (per core-hour and per GiB-hour, in micros). */
export function nodePriceFromRates(cpuPerCoreHour: Micros, ramPerGibHour: Micros, cpuMillis: bigint, memoryBytes: bigint, hours = 1n): NodePrice {
  return {
    cpuCost: (cpuPerCoreHour * cpuMillis * hours) / 1000n,
    ramCost: (ramPerGibHour * memoryBytes * hours) / GIB,
  };
}
