/**
 * The cluster DNS of the real nodes, as AKS runs it: CoreDNS pods in kube-system behind the
 * kube-dns Service. As pods they are what a tenant's DNS egress policy selects (namespace
 * kube-system, k8s-app=kube-dns), so the enforcer judges DNS like any other path.
 */
import type { KubeObject } from "../render/object.js";
import { NODE_NETWORK } from "./host-network.js";

/** Built from controlplane/images/coredns (CoreDNS 1.14.5, the version the control plane module pins). */
export const COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.14.5";
const NS = "kube-system";
const LABELS = { "k8s-app": "kube-dns" };
const HEALTH_PORT = 8080;
const READY_PORT = 8181;

export function corefile(): string {
  return `cluster.local:53 in-addr.arpa:53 {
  errors
  health :${String(HEALTH_PORT)}
  ready :${String(READY_PORT)}
  kubernetes cluster.local in-addr.arpa {
    pods insecure
    ttl 5
  }
  cache 5
  loadbalance
}
# Nothing outside the cluster resolves: pods have no internet to reach.
.:53 {
  template ANY ANY {
    rcode NXDOMAIN
  }
}
`;
}

function obj(o: Record<string, unknown>): KubeObject {
  return o as unknown as KubeObject;
}

export function clusterDnsObjects(): KubeObject[] {
  const ports = [
    { name: "dns", port: 53, protocol: "UDP" },
    { name: "dns-tcp", port: 53, protocol: "TCP" },
  ];
  return [
    obj({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: NS } }),
    obj({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        { apiGroups: [""], resources: ["services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    }),
    obj({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: NS }],
    }),
    obj({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: NS }, data: { Corefile: corefile() } }),
    obj({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: NS, labels: LABELS },
      spec: {
        replicas: 1,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: "coredns",
            priorityClassName: "system-cluster-critical",
            // The system pool: never a tenant's dedicated node.
            nodeSelector: { "kubernetes.azure.com/agentpool": "shared" },
            containers: [
              {
                name: "coredns",
                image: COREDNS_IMAGE,
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                ],
                securityContext: { runAsUser: 0, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
                readinessProbe: { httpGet: { path: "/ready", port: READY_PORT }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/health", port: HEALTH_PORT }, periodSeconds: 10, failureThreshold: 5 },
                resources: { requests: { cpu: "50m", memory: "50Mi" }, limits: { memory: "170Mi" } },
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: "coredns" } }],
          },
        },
      },
    }),
    obj({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: NS, labels: LABELS },
      spec: { clusterIP: NODE_NETWORK.dnsServiceIp, selector: LABELS, ports },
    }),
  ];
}
