/** The tenant's domains: a cert-manager Certificate and the Ingress that serves it. */
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { APP, asObject, meta, type KubeObject, type RenderContext } from "../object.js";

export const TLS_SECRET = "app-tls";

export function certificate({ t, platform }: RenderContext): KubeObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: meta(t, APP),
    spec: {
      secretName: TLS_SECRET,
      dnsNames: [...t.tenant.spec.domains],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: platform.integrations.certManager.clusterIssuer },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    },
  };
}

export function ingress({ t, platform }: RenderContext): KubeObject {
  const ing: IIngress & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(t, APP),
    spec: {
      ingressClassName: platform.integrations.ingress.className,
      tls: [{ hosts: [...t.tenant.spec.domains], secretName: TLS_SECRET }],
      rules: t.tenant.spec.domains.map((host) => ({
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: APP, port: { name: "http" } } } }],
        },
      })),
    },
  };
  return asObject(ing);
}
