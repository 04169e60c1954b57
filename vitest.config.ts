import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: "node_modules/.cache/landlord/vitest-report.json" }]],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/kubernetes/**", "test/nodes/**"] },
      },
      {
        // One real control plane for the whole run, shared by every file here: files run one
        // after another (one of them stops the API server on purpose), after the unit tests.
        extends: true,
        test: {
          name: "kubernetes",
          include: ["test/kubernetes/**/*.test.ts"],
          globalSetup: ["test/kubernetes/support/global-setup.ts"],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
      {
        // A second control plane whose nodes are real (containerd, kubelet, CNI, kube-proxy,
        // CoreDNS, kube-network-policies): pods run and packets are filtered. Its own, so that
        // the fake-node files above never schedule onto a real node. After them.
        extends: true,
        test: {
          name: "nodes",
          include: ["test/nodes/**/*.test.ts"],
          globalSetup: ["test/nodes/support/global-setup.ts"],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 2 },
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
