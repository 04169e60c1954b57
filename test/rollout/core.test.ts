/** The pure rollout core: wave plans, maintenance windows, gate verdicts, Deployment status, the state machine, settings. */
import { describe, expect, it } from "vitest";
import { rolloutSchema, ROLLOUT_DEFAULTS } from "../../src/spec/rollout-config-schema.js";
import { deploymentProgress } from "../../src/rollout/deployment-status.js";
import { bakeSchedule, judge } from "../../src/rollout/gates.js";
import { planWaves, type Candidate } from "../../src/rollout/plan.js";
import { specWithRelease } from "../../src/rollout/release.js";
import { applyCommand, rollbackOrder, type TargetView } from "../../src/rollout/state.js";
import { windowState } from "../../src/rollout/window.js";
import { platform } from "../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";

const TIERS = ["small", "medium", "large"];

function fleet(n: number, extra: (i: number) => Partial<Candidate> = () => ({})): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(3, "0")}`, tier: "small", labels: {}, pinned: false, upToDate: false, cluster: "c1", ...extra(i) }));
}

describe("wave plan", () => {
  it("canary by label, then 10/50/100% of the eligible fleet, cumulative", () => {
    const plan = planWaves(fleet(20, (i) => (i === 7 ? { labels: { "landlord.dev/wave": "canary" } } : {})), ROLLOUT_DEFAULTS.waves, TIERS);
    expect(plan.waves.map((w) => [w.name, w.tenants.length])).toEqual([["canary", 1], ["w10", 1], ["w50", 8], ["w100", 10]]);
    expect(plan.waves[0]?.tenants).toEqual(["t007"]);
    expect(new Set(plan.waves.flatMap((w) => w.tenants)).size).toBe(20);
  });

  it("canary by ring 0; without any match, the first tenant in order", () => {
    const byRing = planWaves(fleet(10, (i) => (i === 3 || i === 4 ? { ring: 0 } : {})), ROLLOUT_DEFAULTS.waves, TIERS);
    expect([...(byRing.waves[0]?.tenants ?? [])].sort()).toEqual(["t003", "t004"]);
    const none = planWaves(fleet(10), ROLLOUT_DEFAULTS.waves, TIERS);
    expect(none.waves[0]?.tenants).toHaveLength(1);
  });

  it("orders by ring, then tier order, then a stable hash; pinned and up-to-date tenants are skipped and listed", () => {
    const cands = fleet(12, (i) => ({ tier: TIERS[i % 3] ?? "small", ...(i === 11 ? { ring: 2 } : {}), ...(i === 0 ? { pinned: true } : {}), ...(i === 1 ? { upToDate: true } : {}) }));
    const plan = planWaves(cands, [{ name: "all", percent: 100, fallbackCount: 1 }], TIERS);
    const order = plan.waves[0]?.tenants ?? [];
    const tierOf = (n: string) => cands.find((c) => c.name === n)?.tier ?? "";
    const ringed = order.at(-1);
    expect(ringed).toBe("t011");
    const tiers = order.slice(0, -1).map(tierOf);
    expect(tiers).toEqual([...tiers].sort((a, b) => TIERS.indexOf(a) - TIERS.indexOf(b)));
    expect(plan.skipped).toEqual([{ tenant: "t000", reason: expect.stringContaining("pinned") as unknown }, { tenant: "t001", reason: "already runs this release" }]);
    // Stable: the same fleet gives the same order in any input order.
    expect(planWaves([...cands].reverse(), [{ name: "all", percent: 100, fallbackCount: 1 }], TIERS).waves[0]?.tenants).toEqual(order);
  });
});

describe("maintenance windows", () => {
  const w = { days: ["sat"], start: "23:00", durationMinutes: 120, timezone: "Europe/Berlin" };
  it("is open inside the window, including past midnight, in the tenant's time zone", () => {
    // Saturday 2026-11-28 23:30 in Berlin (UTC+1) = 22:30 UTC.
    expect(windowState(w, new Date("2026-11-28T22:30:00Z")).open).toBe(true);
    // Sunday 00:30 Berlin = Saturday 23:30 UTC: still inside the 2 h window.
    expect(windowState(w, new Date("2026-11-28T23:30:00Z")).open).toBe(true);
    const closed = windowState(w, new Date("2026-11-27T10:00:00Z"));
    expect(closed).toEqual({ open: false, opensAt: new Date("2026-11-28T22:00:00Z") });
  });
});

describe("health gates", () => {
  const gate = { name: "errors", query: "x", max: 0.05 };
  const defaults = { noData: "fail", queryError: "fail" } as const;
  it("no data, a failed query and NaN fail unless configured otherwise", () => {
    expect(judge(gate, { kind: "no-data" }, defaults).pass).toBe(false);
    expect(judge(gate, { kind: "error", message: "connection refused" }, defaults)).toMatchObject({ pass: false, detail: expect.stringContaining("connection refused") as unknown });
    expect(judge(gate, { kind: "values", values: [Number.NaN] }, defaults).pass).toBe(false);
    expect(judge({ ...gate, noData: "pass" }, { kind: "no-data" }, defaults).pass).toBe(true);
    expect(judge(gate, { kind: "error", message: "x" }, { noData: "fail", queryError: "pass" }).pass).toBe(true);
  });
  it("thresholds apply to every sample", () => {
    expect(judge(gate, { kind: "values", values: [0.01, 0.02] }, defaults).pass).toBe(true);
    expect(judge(gate, { kind: "values", values: [0.01, 0.2] }, defaults)).toMatchObject({ pass: false, detail: "0.2000 is outside <= 0.05" });
  });
  it("never reads at or before the rollout finished; the last read is at the end of the bake", () => {
    const ready = new Date("2026-11-27T10:00:00Z");
    const times = bakeSchedule(ready, 10, 3).map((d) => (d.getTime() - ready.getTime()) / 1000);
    expect(times).toEqual([3, 6, 9, 10]);
    expect(bakeSchedule(ready, 0, 3)[0]?.getTime()).toBeGreaterThan(ready.getTime());
  });
});

describe("Deployment rollout status", () => {
  const dep = (generation: number, status: Record<string, unknown>, image = "r/app:2") => ({ metadata: { generation }, spec: { replicas: 2, template: { spec: { containers: [{ name: "app", image }] } } }, status });
  it("a status from before the change is never 'done'", () => {
    // The controller has not seen generation 5 yet; its counts are of the old template.
    expect(deploymentProgress(dep(5, { observedGeneration: 4, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 5, "r/app:2").state).toBe("waiting");
    // A read that predates our write (generation 4 < 5).
    expect(deploymentProgress(dep(4, { observedGeneration: 4, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 5, "r/app:2").state).toBe("waiting");
  });
  it("waits for old replicas to go and new ones to be available; done only then", () => {
    expect(deploymentProgress(dep(5, { observedGeneration: 5, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }), 5, "r/app:2")).toMatchObject({ state: "waiting", reason: expect.stringContaining("old replicas") as unknown });
    expect(deploymentProgress(dep(5, { observedGeneration: 5, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), 5, "r/app:2").state).toBe("waiting");
    expect(deploymentProgress(dep(5, { observedGeneration: 5, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 5, "r/app:2").state).toBe("done");
    expect(deploymentProgress(dep(6, { observedGeneration: 6, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, "r/app:9"), 5, "r/app:2").state).toBe("failed");
  });
});

describe("state machine", () => {
  it("allows each command only where it makes sense", () => {
    expect(applyCommand({ state: "Running", requested: null }, "pause", true)).toEqual({ state: "Running", requested: "pause" });
    expect(applyCommand({ state: "Running", requested: null }, "pause", false)).toEqual({ state: "Paused", requested: null });
    expect(applyCommand({ state: "Paused", requested: null }, "resume", false)).toEqual({ state: "Running", requested: null });
    expect(applyCommand({ state: "Paused", requested: null }, "abort", false)).toEqual({ state: "RollingBack", requested: "abort" });
    expect(applyCommand({ state: "Aborted", requested: null }, "retry", false)).toEqual({ state: "Running", requested: null });
    expect(applyCommand({ state: "RolledBack", requested: null }, "retry", false)).toEqual({ state: "Running", requested: null });
    // A runner that died mid-wave leaves Running: resume takes it over.
    expect(applyCommand({ state: "Running", requested: null }, "resume", false)).toEqual({ state: "Running", requested: null });
    expect(() => applyCommand({ state: "Succeeded", requested: null }, "retry", false)).toThrow(/succeeded/);
    expect(() => applyCommand({ state: "Running", requested: null }, "retry", true)).toThrow(/has not ended/);
    expect(() => applyCommand({ state: "Aborted", requested: null }, "pause", false)).toThrow(/only a running rollout/);
  });
  it("rolls back last-changed first; rollback-failed only takes the failed", () => {
    const t = (tenant: string, state: TargetView["state"], changedSeq: number | null): TargetView => ({ tenant, wave: 0, state, changedSeq });
    const targets = [t("a", "done", 1), t("b", "done", 2), t("c", "failed", 3), t("d", "pending", null), t("e", "verifying", 4)];
    expect(rollbackOrder(targets, "all").map((x) => x.tenant)).toEqual(["e", "c", "b", "a"]);
    expect(rollbackOrder(targets, "rollback-failed").map((x) => x.tenant)).toEqual(["c"]);
  });
});

describe("release into a spec", () => {
  it("sets the version and merges the config change, leaving the rest as it was", () => {
    const spec = { apiVersion: "landlord.dev/v1alpha1", kind: "Tenant", metadata: { name: "a" }, spec: { tier: "small", overrides: { app: { env: { A: "1" } } } } };
    const next = specWithRelease(spec, { version: "2.0.0", config: { env: { B: "2" }, featureFlags: { NEW_UI: true } } });
    expect(next).toEqual({ ...spec, spec: { tier: "small", version: "2.0.0", overrides: { app: { env: { A: "1", B: "2" }, featureFlags: { NEW_UI: true } } } } });
    expect(spec.spec).not.toHaveProperty("version");
  });
});

describe("rollout settings in landlord.yaml", () => {
  it("refuse a gate query that cannot be fenced, a wave list that does not reach 100%, and unknown gate names, each named", () => {
    const r = rolloutSchema.safeParse({ waves: [{ name: "a", percent: 50, gates: ["nope"] }], gates: [{ name: "errors", query: 'up{namespace="other"}', max: 1 }] });
    expect(r.success).toBe(false);
    const paths = (r.error?.issues ?? []).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["gates.0.query", "waves.0.percent", "waves.0.gates"]));
  });
  it("refuse a bake shorter than a gate's range window (its last reading would be stale); zero bake is one explicit reading", () => {
    const gates = [{ name: "errors", query: "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))", max: 0.01 }];
    const r = rolloutSchema.safeParse({ bakeSeconds: 120, gates });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["bakeSeconds", expect.stringContaining("shorter than the 300 s window of gate 'errors'") as unknown]]);
    expect(rolloutSchema.safeParse({ bakeSeconds: 300, gates }).success).toBe(true);
    expect(rolloutSchema.safeParse({ bakeSeconds: 0, gates }).success).toBe(true);
  });

  it("default to canary, 10%, 50%, 100% and reach landlord.yaml as `rollout`", () => {
    expect(platform(PLATFORM_TEMPLATE).config.rollout.waves.map((w) => w.name)).toEqual(["canary", "w10", "w50", "w100"]);
  });
});
