/**
 * The ingress controller of the real nodes: Traefik built from its module
 * (tools/traefik/build.sh), run as a Deployment behind a ClusterIP Service in a namespace of
 * its own, watching Ingresses of its class (docs/adr/0029). Its address is the Service's:
 * pods, the test DNS server's answers and the tests all reach it there, as the public
 * address of a cloud load balancer would be on AKS. Traefik publishes no Helm chart in its
 * module, so the objects are written here, the RBAC to what its Ingress provider reads.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import type { KubeObject } from "../render/object.js";
import { script } from "./cnpg.js";
import { HostSetupError } from "./host-network.js";
import { push, repoFile, type ImagePusher } from "./images.js";
import { waitDeploymentAvailable } from "./wait.js";

export const TRAEFIK_VERSION = "v3.6.12";
export const TRAEFIK_IMAGE = `docker.io/library/traefik:${TRAEFIK_VERSION}`;
/** What landlord.yaml's integrations.ingress names on this cluster (src/devcluster/platform.ts). */
export const TRAEFIK_INGRESS = { className: "traefik", namespace: "traefik", podLabels: { "app.kubernetes.io/name": "traefik" } } as const;
const NAME = "traefik";
/** Unprivileged ports in the pod (no NET_BIND_SERVICE); the Service maps 80 and 443 onto them. */
const WEB_PORT = 8000;
const WEBSECURE_PORT = 8443;
const PING_PORT = 8080;
const TRAEFIK_UID = "65532";

/** Where clients reach the ingress: its Service's cluster address, ports 80 and 443. */
export interface IngressAddress {
  readonly ip: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

export async function traefikBinary(): Promise<string> {
  const [bin] = (await script(repoFile("tools", "traefik", "build.sh"))).slice(-1);
  if (bin === undefined || !existsSync(bin)) throw new HostSetupError(`tools/traefik/build.sh printed no binary (got '${bin ?? ""}')`);
  return bin;
}

export async function pushTraefikImage(p: ImagePusher, binary: string): Promise<void> {
  const dir = join(p.workDir, "layers", "traefik");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(binary, join(dir, "traefik"));
  await push(p, TRAEFIK_IMAGE, dir, "/traefik", { user: TRAEFIK_UID, workdir: "/" });
}

/** Namespace, RBAC, IngressClass, Deployment and Service. */
export function traefikObjects(): KubeObject[] {
  const namespace = TRAEFIK_INGRESS.namespace;
  const labels = { ...TRAEFIK_INGRESS.podLabels };
  const read = ["get", "list", "watch"];
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: NAME, labels },
      rules: [
        // Backends (Services and their EndpointSlices) and the certificates Ingresses name.
        { apiGroups: [""], resources: ["services", "secrets", "nodes"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
        { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingressclasses"], verbs: read },
        { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace }],
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: TRAEFIK_INGRESS.className, labels },
      spec: { controller: "traefik.io/ingress-controller" },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: NAME, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: NAME,
                image: TRAEFIK_IMAGE,
                args: [
                  `--entryPoints.web.address=:${String(WEB_PORT)}`,
                  `--entryPoints.websecure.address=:${String(WEBSECURE_PORT)}`,
                  // Every router on 443 terminates TLS with the Ingresses' certificates (by SNI); without
                  // this, Ingress routers there would serve plain HTTP.
                  "--entryPoints.websecure.http.tls=true",
                  `--entryPoints.traefik.address=:${String(PING_PORT)}`,
                  "--ping=true",
                  "--providers.kubernetesingress=true",
                  `--providers.kubernetesingress.ingressClass=${TRAEFIK_INGRESS.className}`,
                  `--providers.kubernetesingress.ingressendpoint.publishedservice=${namespace}/${NAME}`,
                  "--log.level=INFO",
                  "--accesslog=true",
                  // Traefik drops request headers from its access log unless told; the user agent tells who asked for a token.
                  "--accesslog.fields.headers.names.User-Agent=keep",
                ],
                ports: [
                  { name: "web", containerPort: WEB_PORT },
                  { name: "websecure", containerPort: WEBSECURE_PORT },
                  { name: "ping", containerPort: PING_PORT },
                ],
                readinessProbe: { httpGet: { path: "/ping", port: "ping" }, periodSeconds: 2 },
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: NAME, namespace, labels },
      spec: {
        type: "ClusterIP",
        selector: labels,
        ports: [
          { name: "web", port: 80, targetPort: "web" },
          { name: "websecure", port: 443, targetPort: "websecure" },
        ],
      },
    },
  ];
}

/** Installs Traefik, waits until it answers its ping, and returns the Service's address. */
export async function installTraefik(kubeconfig: string, pusher: ImagePusher, log: (line: string) => void): Promise<IngressAddress> {
  await pushTraefikImage(pusher, await traefikBinary());
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    await new Applier(client).applyPlatform(traefikObjects(), { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, TRAEFIK_INGRESS.namespace, NAME, 240_000);
  const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace: TRAEFIK_INGRESS.namespace, name: NAME });
  const ip = svc.spec?.clusterIP;
  if (ip === undefined || ip === "" || ip === "None") throw new HostSetupError(`Service ${TRAEFIK_INGRESS.namespace}/${NAME} has no cluster address`);
  log(`Traefik ${TRAEFIK_VERSION} (ingress class ${TRAEFIK_INGRESS.className}) running in ${TRAEFIK_INGRESS.namespace}, reached at ${ip}:80 and :443`);
  return { ip, httpPort: 80, httpsPort: 443 };
}
