import { describe, expect, test } from "vitest";
import { bytes, cpuMillis, formatBytes, formatCpu, isQuantity, parseMilli } from "../../src/spec/quantity.js";

describe("Kubernetes quantities", () => {
  test.each([
    ["500m", 500n],
    ["2", 2000n],
    ["0.5", 500n],
    ["1.25", 1250n],
  ])("cpu %s = %s millicores", (q, m) => {
    expect(cpuMillis(q)).toBe(m);
  });

  test.each([
    ["512Mi", 512n * 1024n ** 2n],
    ["1Gi", 1024n ** 3n],
    ["1.5Gi", 3n * 512n * 1024n ** 2n],
    ["1G", 1000n ** 3n],
    ["10k", 10_000n],
  ])("memory %s = %s bytes", (q, b) => {
    expect(bytes(q)).toBe(b);
  });

  test.each(["", "-1", "1.2.3", "1Gb", "Gi", "1 Gi", "0.0001", "1e3", "1.5m"])("%j is not a quantity", (q) => {
    expect(isQuantity(q)).toBe(false);
    expect(parseMilli(q)).toBeUndefined();
  });

  test("formatting round-trips", () => {
    expect(formatCpu(1500n)).toBe("1500m");
    expect(formatCpu(2000n)).toBe("2");
    expect(formatBytes(3n * 1024n ** 3n)).toBe("3Gi");
    expect(formatBytes(1536n * 1024n ** 2n)).toBe("1536Mi");
    expect(formatBytes(1000n)).toBe("1000");
  });
});
