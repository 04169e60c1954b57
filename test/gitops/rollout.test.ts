/** The gate between rollout waves in GitOps mode: Argo CD Applications observed, fleet-wide. */
import { describe, expect, test } from "vitest";
import { appsGate, type ObservedApp } from "../../src/render/gitops/rollout.js";

const app = (tenant: string, over: Partial<ObservedApp> = {}): ObservedApp => ({
  name: `tenant-${tenant}`,
  sync: "Synced",
  revision: "b".repeat(40),
  health: "Healthy",
  ...over,
});
const atOrAfterB = (rev: string) => rev === "b".repeat(40);

describe("apps gate", () => {
  test("opens only when every app of the wave is Synced to the rollout commit and Healthy, whatever its cluster", () => {
    // globex on a shared cluster, initech on its dedicated one: one wave, one gate.
    const wave = ["initech", "globex"];
    expect(appsGate(wave, [app("globex"), app("initech")], atOrAfterB)).toEqual({ open: true, waiting: [] });
    expect(appsGate(wave, [app("globex"), app("initech", { health: "Degraded" })], atOrAfterB)).toEqual({ open: false, waiting: ["tenant-initech: Degraded"] });
    expect(appsGate(wave, [app("globex", { revision: "a".repeat(40) }), app("initech", { sync: "OutOfSync" })], atOrAfterB).waiting).toEqual([
      "tenant-globex: Synced at aaaaaaaa",
      "tenant-initech: OutOfSync at bbbbbbbb",
    ]);
  });

  test("silence is not health: a missing app holds the gate", () => {
    expect(appsGate(["globex", "initech"], [app("globex")], atOrAfterB)).toEqual({ open: false, waiting: ["tenant-initech: no Application yet"] });
  });
});
