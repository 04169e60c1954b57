/**
 * Each object of a stored tenant's bundle on its cluster: applied, ready (with the reason
 * when not), drifted (the field that was changed by hand). `landlord status` and
 * GET /api/v1/tenants/:name/status.
 */
import type { ClusterAccess } from "../delivery/cluster-access.js";
import type { Bundle } from "../render/bundle.js";

export interface ObjectStatus {
  readonly object: string;
  readonly applied: boolean;
  /** Absent for kinds without a readiness check. */
  readonly ready?: boolean;
  readonly reason?: string;
  readonly drift?: string;
}

export async function objectStatuses(k: ClusterAccess, bundle: Bundle): Promise<ObjectStatus[]> {
  const inspected = await k.applierFor(bundle.placement.cluster).inspect(bundle.objects, 8);
  const readiness = new Map((await k.readiness(bundle, undefined, new Map(inspected.map((x) => [x.object, x.live])))).map((r) => [r.object, r]));
  return inspected.map((x): ObjectStatus => {
    const key = `${x.object.kind}/${x.object.metadata.name}`;
    const r = readiness.get(key);
    return {
      object: key,
      applied: x.live !== undefined && x.applied,
      ...(r ? { ready: r.ready, ...(r.reason !== undefined ? { reason: r.reason } : {}) } : {}),
      ...(x.drift ? { drift: x.drift.path } : {}),
    };
  });
}
