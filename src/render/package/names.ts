/** Names of platform objects the package integration adjusts. */

/** The network policy that admits the shared ingress controller (src/render/kubernetes/network-policies.ts). */
export const INGRESS_POLICY_NAME = "allow-from-ingress-controller";

/** The built-in generic app's objects, replaced by a package: kind and name. */
export const BUILTIN_APP_OBJECTS: readonly (readonly [string, string])[] = [
  ["ConfigMap", "app-config"],
  ["Deployment", "app"],
  ["Service", "app"],
  ["HorizontalPodAutoscaler", "app"],
  ["PodDisruptionBudget", "app"],
];
