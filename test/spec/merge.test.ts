import { describe, expect, test } from "vitest";
import { mergeLayers } from "../../src/spec/merge.js";

describe("three-layer merge", () => {
  const merged = mergeLayers([
    { source: "defaults", value: { app: { env: { A: "1", B: "1" }, probes: { liveness: { path: "/l" } } }, list: [1, 2, 3] } },
    { source: "tier/small", value: { app: { env: { B: "2" }, replicas: 2 }, list: [9] } },
    { source: "tenant", value: { app: { env: { C: "3" } } } },
  ]);

  test("objects merge deeply and the most specific layer wins", () => {
    expect(merged.value).toEqual({ app: { env: { A: "1", B: "2", C: "3" }, probes: { liveness: { path: "/l" } }, replicas: 2 }, list: [9] });
  });

  test("lists replace instead of merging", () => {
    expect(merged.value.list).toEqual([9]);
  });

  test("every leaf knows its layer", () => {
    expect(Object.fromEntries(merged.provenance)).toEqual({
      "app.env.A": "defaults",
      "app.env.B": "tier/small",
      "app.env.C": "tenant",
      "app.probes.liveness.path": "defaults",
      "app.replicas": "tier/small",
      list: "tier/small",
    });
  });

  test("an object replaced by a scalar forgets the provenance below it", () => {
    const m = mergeLayers([
      { source: "a", value: { x: { y: 1, z: 2 } } },
      { source: "b", value: { x: [1] } },
    ]);
    expect(Object.fromEntries(m.provenance)).toEqual({ x: "b" });
  });

  test("inputs are not mutated", () => {
    const base = { app: { env: { A: "1" } } };
    mergeLayers([
      { source: "a", value: base },
      { source: "b", value: { app: { env: { A: "2" } } } },
    ]);
    expect(base.app.env.A).toBe("1");
  });
});
