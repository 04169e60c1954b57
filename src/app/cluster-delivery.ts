/** The runtime's Kubernetes delivery, for the use cases that talk to clusters. */
import { KubernetesDelivery } from "../delivery/kubernetes/kubernetes-delivery.js";
import { NotAllowedError } from "../errors.js";
import type { Runtime } from "./runtime.js";

export function kubernetesOf(rt: Runtime): KubernetesDelivery {
  const d = rt.services.delivery;
  if (!(d instanceof KubernetesDelivery)) {
    throw new NotAllowedError(`delivery.mode is ${d.kind}: this command talks to clusters; set delivery.mode: kubernetes in landlord.yaml (and a kubeconfig), or use landlord render / landlord diff`);
  }
  return d;
}
