/** The runtime's cluster access, for the use cases that talk to clusters. */
import type { ClusterAccess } from "../delivery/cluster-access.js";
import { NotAllowedError } from "../errors.js";
import type { Runtime } from "./runtime.js";

export function kubernetesOf(rt: Runtime): ClusterAccess {
  const d = rt.services.delivery;
  if (!d.cluster) {
    throw new NotAllowedError(`delivery.mode is ${d.kind}: this command talks to clusters; set delivery.mode: kubernetes in landlord.yaml (and a kubeconfig), or use landlord render / landlord diff`);
  }
  return d.cluster;
}
