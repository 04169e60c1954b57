/**
 * The tenant's served domains: a cert-manager Certificate and the Ingress that serves it.
 * Custom domains still pending their DNS challenge are left out (docs/adr/0017).
 */
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { APP, asObject, meta, type KubeObject, type RenderContext } from "../object.js";

export const TLS_SECRET = "app-tls";

export function certificate({ t, platform }: RenderContext): KubeObject | undefined {
  if (t.domains.served.length === 0) return undefined;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: meta(t, APP),
    spec: {
      secretName: TLS_SECRET,
      dnsNames: [...t.domains.served],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: platform.integrations.certManager.clusterIssuer },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    },
  };
}

export function ingress({ t, platform }: RenderContext): KubeObject | undefined {
  if (t.domains.served.length === 0) return undefined;
  const ing: IIngress & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(t, APP),
    spec: {
      ingressClassName: platform.integrations.ingress.className,
      tls: [{ hosts: [...t.domains.served], secretName: TLS_SECRET }],
      rules: t.domains.served.map((host) => ({
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: APP, port: { name: "http" } } } }],
        },
      })),
    },
  };
  return asObject(ing);
}
