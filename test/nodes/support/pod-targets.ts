/**
 * Scrape targets for a real Prometheus: Debian's Prometheus is built without Kubernetes
 * service discovery, so its HTTP discovery asks this endpoint, which lists the running pods
 * of the given namespaces from the API server and names their `metrics` port, labelled with
 * namespace and pod as Kubernetes discovery would relabel them.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CoreV1Api } from "@kubernetes/client-node";

export async function podTargets(core: CoreV1Api, namespaces: readonly string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    void (async () => {
      const groups: { targets: string[]; labels: Record<string, string> }[] = [];
      for (const namespace of namespaces) {
        const pods = await core.listNamespacedPod({ namespace, fieldSelector: "status.phase=Running" }).catch(() => ({ items: [] }));
        for (const p of pods.items) {
          const port = p.spec?.containers.flatMap((c) => c.ports ?? []).find((x) => x.name === "metrics")?.containerPort;
          if (port === undefined || p.status?.podIP === undefined || p.metadata?.deletionTimestamp !== undefined) continue;
          groups.push({ targets: [`${p.status.podIP}:${String(port)}`], labels: { namespace, pod: p.metadata?.name ?? "" } });
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(groups));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/targets`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
