/**
 * landlord.yaml `rollout`: how a release moves through the fleet (docs/adr/0012). Every
 * gate query is parsed (and fenced to a placeholder namespace) when the file is loaded, so
 * a query that cannot be scoped is refused before any rollout starts. In src/spec because
 * the platform schema holds it, and the spec layer imports nothing above it.
 */
import { parser } from "@prometheus-io/lezer-promql";
import { z } from "zod";
import { InputError } from "../errors.js";
import { dnsLabel, explain, labels } from "./fields.js";
import { parseDurationSeconds, scopeQuery } from "./scope-promql.js";

/**
 * The longest range window in a query (matrix selectors and subqueries), from the PromQL
 * parser. A bake shorter than it ends with a reading whose window still holds samples
 * from before the change: a stale health read.
 */
function longestRangeSeconds(query: string): number {
  let longest = 0;
  parser.parse(query).iterate({
    enter: (ref) => {
      if (ref.name !== "MatrixSelector" && ref.name !== "SubqueryExpr") return;
      const duration = ref.node.getChild("DurationExpr");
      if (!duration) return;
      const seconds = parseDurationSeconds(query.slice(duration.from, duration.to).trim());
      if (seconds !== undefined) longest = Math.max(longest, seconds);
    },
  });
  return longest;
}

export const FAILURE_POLICIES = ["rollback-all", "rollback-failed", "pause"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

const verdict = z.enum(["fail", "pass"]);

const gate = z
  .strictObject({
    name: dnsLabel(40),
    /** PromQL; the tenant's namespace is put into every selector (never pasted as text). */
    query: z.string().min(1).max(4096),
    /** Every sample must be at most / at least this. */
    max: z.number().optional(),
    min: z.number().optional(),
    /** Overrides rollout.noData / rollout.queryError for this gate. */
    noData: verdict.optional(),
    queryError: verdict.optional(),
  })
  .superRefine((g, ctx) => {
    if (g.max === undefined && g.min === undefined) {
      ctx.addIssue({ code: "custom", path: ["max"], message: explain("a gate needs a threshold", "set max (e.g. 0.05 for an error ratio) or min") });
    }
    try {
      scopeQuery(g.query, "landlord-gate-check");
    } catch (err) {
      const why = err instanceof InputError ? err.problems.map((p) => `${p.path}: ${p.message}`).join("; ") : String(err);
      ctx.addIssue({ code: "custom", path: ["query"], message: explain(`the query cannot be fenced to a tenant's namespace (${why})`, "write plain PromQL without namespace matchers; the namespace is added for you") });
    }
  });

const wave = z
  .strictObject({
    name: dnsLabel(30),
    /** Cumulative share of the eligible fleet done once this wave ends. */
    percent: z.number().min(0).max(100).optional(),
    /** Tenants chosen by label or ring (the canary); with percent as well, at least that share. */
    select: z
      .strictObject({ labels: labels.optional(), rings: z.array(z.number().int().min(0).max(9)).optional() })
      .optional(),
    /** With select: how many tenants when none match (the first by ring, tier and hash). */
    fallbackCount: z.number().int().min(0).max(100).default(1),
    maxParallel: z.number().int().min(1).max(200).optional(),
    bakeSeconds: z.number().int().min(0).max(86_400).optional(),
    /** Gate names checked in this wave (default: all). */
    gates: z.array(dnsLabel(40)).optional(),
  })
  .refine((w) => w.percent !== undefined || w.select !== undefined, {
    error: explain("a wave needs percent or select", "write e.g. percent: 10, or select: { rings: [0] }"),
  });

export const DEFAULT_WAVES = [
  { name: "canary", select: { labels: { "landlord.dev/wave": "canary" }, rings: [0] }, fallbackCount: 1 },
  { name: "w10", percent: 10, fallbackCount: 1 },
  { name: "w50", percent: 50, fallbackCount: 1 },
  { name: "w100", percent: 100, fallbackCount: 1 },
];

const maintenance = z.strictObject({
  /** Wait for each tenant's spec.maintenanceWindow before changing it. */
  honour: z.boolean().default(true),
  /** How long a tenant may wait for its window. */
  maxWaitMinutes: z.number().int().min(0).max(14 * 1440).default(1440),
  /** When the window does not open in time: skip the tenant (listed), change it anyway, or fail the rollout. */
  onMissed: z.enum(["skip", "proceed", "fail"]).default("skip"),
});

export const rolloutSchema = z
  .strictObject({
    waves: z.array(wave).min(1).default(DEFAULT_WAVES),
    maxParallel: z.number().int().min(1).max(200).default(5),
    bakeSeconds: z.number().int().min(0).max(86_400).default(300),
    intervalSeconds: z.number().int().min(1).max(3600).default(30),
    /** Apply plus Deployment rollout per tenant; an offline cluster fails the tenant after this, never blocks. */
    tenantTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
    onFailure: z.enum(FAILURE_POLICIES).default("rollback-all"),
    noData: verdict.default("fail"),
    queryError: verdict.default("fail"),
    /** Prometheus for the gates; default integrations.monitoring.prometheus. */
    prometheusUrl: z.url({ protocol: /^https?$/ }).optional(),
    gates: z.array(gate).default([]),
    maintenance: maintenance.default({ honour: true, maxWaitMinutes: 1440, onMissed: "skip" }),
  })
  .superRefine((r, ctx) => {
    const names = new Set<string>();
    let last = -1;
    r.waves.forEach((w, i) => {
      if (names.has(w.name)) ctx.addIssue({ code: "custom", path: ["waves", i, "name"], message: explain(`wave '${w.name}' is listed twice`, "give each wave its own name") });
      names.add(w.name);
      if (w.percent !== undefined) {
        if (w.percent < last) ctx.addIssue({ code: "custom", path: ["waves", i, "percent"], message: explain("percent is cumulative and must not go down", `use at least ${String(last)}`) });
        last = w.percent;
      }
      for (const g of w.gates ?? []) {
        if (!r.gates.some((x) => x.name === g)) ctx.addIssue({ code: "custom", path: ["waves", i, "gates"], message: explain(`no gate named '${g}'`, `define it under rollout.gates or use one of: ${r.gates.map((x) => x.name).join(", ") || "(none)"}`) });
      }
    });
    if (r.waves.at(-1)?.percent !== 100) {
      ctx.addIssue({ code: "custom", path: ["waves", r.waves.length - 1, "percent"], message: explain("the last wave must reach the whole fleet", "end with percent: 100") });
    }
    const gateNames = new Set<string>();
    r.gates.forEach((g, i) => {
      if (gateNames.has(g.name)) ctx.addIssue({ code: "custom", path: ["gates", i, "name"], message: explain(`gate '${g.name}' is listed twice`, "give each gate its own name") });
      gateNames.add(g.name);
      // Zero bake is an explicit "one reading, no bake" (benchmarks, emergencies); any other
      // bake must outlast the query's window, or its last reading still sees the old version.
      const range = longestRangeSeconds(g.query);
      const said = new Set<string>();
      r.waves.forEach((w, wi) => {
        const bake = w.bakeSeconds ?? r.bakeSeconds;
        const path = w.bakeSeconds !== undefined ? ["waves", wi, "bakeSeconds"] : ["bakeSeconds"];
        if (bake > 0 && bake < range && (w.gates === undefined || w.gates.includes(g.name)) && !said.has(path.join("."))) {
          said.add(path.join("."));
          ctx.addIssue({ code: "custom", path, message: explain(`bake of ${String(bake)} s is shorter than the ${String(range)} s window of gate '${g.name}': its last reading would still include samples from before the change`, `bake at least ${String(range)} s (plus a scrape interval), or shorten the query's range`) });
        }
      });
    });
  });

export type RolloutConfig = z.infer<typeof rolloutSchema>;
export type GateConfig = RolloutConfig["gates"][number];
export type WaveConfig = RolloutConfig["waves"][number];

export const ROLLOUT_DEFAULTS: RolloutConfig = rolloutSchema.parse({});
