/** A Deployment that is not Available says what its pods wait for, in the kubelet's words. */
import { describe, expect, it } from "vitest";
import { podTrouble } from "../../src/delivery/kubernetes/readiness.js";

describe("podTrouble", () => {
  it("names the first pod that waits, with the kubelet's message and its last exit", () => {
    expect(
      podTrouble([
        { metadata: { name: "app-1" }, status: { containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }] } },
        { metadata: { name: "app-2" }, status: { containerStatuses: [{ state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "db-app" not found' } } }] } },
      ]),
    ).toBe('pod app-2: CreateContainerConfigError (secret "db-app" not found)');
    expect(podTrouble([{ metadata: { name: "app-3" }, status: { containerStatuses: [{ state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s" } }, lastState: { terminated: { reason: "Error", exitCode: 3 } } }] } }])).toBe(
      "pod app-3: CrashLoopBackOff (back-off 10s); last exit 3 (Error)",
    );
  });

  it("names a pod the scheduler cannot place, and says nothing while pods only start", () => {
    expect(podTrouble([{ metadata: { name: "app-4" }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." } ] } }])).toBe(
      "pod app-4: not scheduled (0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.)",
    );
    expect(podTrouble([{ metadata: { name: "app-5" }, status: { containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }] } }])).toBeUndefined();
    expect(podTrouble([])).toBeUndefined();
  });
});
