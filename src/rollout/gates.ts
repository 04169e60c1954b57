/**
 * Health gates (pure): what one reading of a gate query means, and when to read. "No
 * data", a failed query and an unreachable Prometheus fail the gate unless landlord.yaml
 * says otherwise: a silent tenant is not a healthy one.
 */
import type { GateConfig, RolloutConfig } from "../spec/rollout-config-schema.js";

export type GateReading =
  | { readonly kind: "values"; readonly values: readonly number[] }
  | { readonly kind: "no-data" }
  | { readonly kind: "error"; readonly message: string };

export interface GateVerdict {
  readonly gate: string;
  readonly pass: boolean;
  readonly detail: string;
}

export function judge(gate: GateConfig, reading: GateReading, defaults: Pick<RolloutConfig, "noData" | "queryError">): GateVerdict {
  const base = { gate: gate.name };
  if (reading.kind === "no-data") {
    const pass = (gate.noData ?? defaults.noData) === "pass";
    return { ...base, pass, detail: `no data${pass ? " (noData: pass)" : ": the query returned no series"}` };
  }
  if (reading.kind === "error") {
    const pass = (gate.queryError ?? defaults.queryError) === "pass";
    return { ...base, pass, detail: `query failed${pass ? " (queryError: pass)" : ""}: ${reading.message}` };
  }
  if (reading.values.length === 0) return judge(gate, { kind: "no-data" }, defaults);
  const bad = reading.values.find((v) => Number.isNaN(v) || (gate.max !== undefined && v > gate.max) || (gate.min !== undefined && v < gate.min));
  const shown = reading.values.map((v) => formatValue(v)).join(", ");
  const bounds = [gate.min !== undefined ? `>= ${String(gate.min)}` : "", gate.max !== undefined ? `<= ${String(gate.max)}` : ""].filter((s) => s !== "").join(" and ");
  if (bad !== undefined) {
    return { ...base, pass: false, detail: Number.isNaN(bad) ? `value is NaN (no traffic?), must be ${bounds}` : `${formatValue(bad)} is outside ${bounds}` };
  }
  return { ...base, pass: true, detail: `${shown} within ${bounds}` };
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/**
 * When to read the gates of a tenant whose Deployment rolled out at `readyAt`: every
 * `interval` from readyAt + interval, the last one at readyAt + bake exactly. Nothing is
 * read at or before readyAt, so no reading can predate the change. Zero bake: one read.
 */
export function bakeSchedule(readyAt: Date, bakeSeconds: number, intervalSeconds: number): Date[] {
  const t0 = readyAt.getTime();
  if (bakeSeconds <= 0) return [new Date(t0 + 1)];
  const out: Date[] = [];
  for (let s = intervalSeconds; s < bakeSeconds; s += intervalSeconds) out.push(new Date(t0 + s * 1000));
  out.push(new Date(t0 + bakeSeconds * 1000));
  return out;
}

/** Gates that apply to a wave: the ones it names, else all. */
export function gatesOfWave(all: readonly GateConfig[], names: readonly string[] | undefined): GateConfig[] {
  return names === undefined ? [...all] : all.filter((g) => names.includes(g.name));
}
