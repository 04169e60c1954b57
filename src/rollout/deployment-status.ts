/**
 * Has a Deployment rolled out the change we made (pure)? Only status that the controller
 * wrote for our generation counts: observedGeneration must have reached the generation
 * our write produced, every replica must come from the current template, the old ones
 * must be gone, and the new ones available. A status read before the change, or one the
 * controller has not caught up with, says "not yet", never "done".
 */
export type DeploymentProgress =
  | { readonly state: "done" }
  | { readonly state: "waiting"; readonly reason: string }
  | { readonly state: "failed"; readonly reason: string };

interface Live {
  metadata?: { generation?: number };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

const n = (v: unknown): number => (typeof v === "number" ? v : 0);

export function deploymentProgress(raw: unknown, writtenGeneration: number, image: string): DeploymentProgress {
  const live = (raw ?? {}) as Live;
  if (raw === undefined) return { state: "waiting", reason: "Deployment not found" };
  const generation = n(live.metadata?.generation);
  if (generation < writtenGeneration) return { state: "waiting", reason: `generation ${String(generation)} is older than the change (${String(writtenGeneration)})` };
  const images = (live.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "");
  if (!images.includes(image)) return { state: "failed", reason: `the Deployment runs ${images.join(", ")}, not ${image}: someone else changed it` };
  const s = live.status ?? {};
  if (n(s.observedGeneration) < generation) return { state: "waiting", reason: `controller has not observed generation ${String(generation)} yet (observed ${String(n(s.observedGeneration))})` };
  const progressing = (s.conditions ?? []).find((c) => c.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return { state: "failed", reason: `rollout stalled: ${progressing.message ?? "progress deadline exceeded"}` };
  }
  const want = live.spec?.replicas ?? 1;
  if (n(s.updatedReplicas) < want) return { state: "waiting", reason: `${String(n(s.updatedReplicas))}/${String(want)} replicas on the new template` };
  if (n(s.replicas) > n(s.updatedReplicas)) return { state: "waiting", reason: `${String(n(s.replicas) - n(s.updatedReplicas))} old replicas still terminating` };
  if (n(s.availableReplicas) < want) return { state: "waiting", reason: `${String(n(s.availableReplicas))}/${String(want)} replicas available` };
  return { state: "done" };
}
