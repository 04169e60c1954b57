/**
 * What the Kubernetes tests share: the control plane started by global-setup.ts, a
 * platform that delivers to it, and tenant services wired like the CLI wires them.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { parse, stringify } from "yaml";
import { KubeconfigResolver } from "../../../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../../../src/delivery/kubernetes/kubernetes-delivery.js";
import type { Delivery } from "../../../src/delivery/delivery.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import type { PlatformContext } from "../../../src/spec/platform.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { tenantLocator } from "../../../src/workflows/tenant/locate.js";
import { renderBundle, type Bundle } from "../../../src/render/bundle.js";
import { isPlacementRecord, resolveSpec } from "../../../src/workflows/tenant/services.js";
import { foldersUnder, harness, platformFromText, type Harness } from "../../workflows/tenant/support/harness.js";

export const SHARED_CLUSTER = "aks-weu-1";

export function clusterDir(): string {
  return inject("clusterDir");
}

/** A short random prefix so tenants of different tests never meet. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(2).toString("hex")}`;
}

export function livePlatformText(extra = ""): string {
  return `${PLATFORM_TEMPLATE}
delivery:
  mode: kubernetes
  kubernetes:
    contexts: { ${SHARED_CLUSTER}: landlord-dev }
    readyTimeoutSeconds: 90
${extra}`;
}

/** A copy of the test kubeconfig with extra contexts (dedicated clusters) on the same API server. */
export async function kubeconfigWith(dir: string, contexts: readonly string[]): Promise<string> {
  const doc = parse(await readFile(inject("kubeconfig"), "utf8")) as { contexts: { name: string; context: unknown }[] };
  const base = doc.contexts.find((c) => c.name === "landlord-dev");
  if (!base) throw new Error("test kubeconfig lacks context landlord-dev");
  for (const name of contexts) if (!doc.contexts.some((c) => c.name === name)) doc.contexts.push({ name, context: base.context });
  const file = join(dir, "kubeconfig");
  await writeFile(file, stringify(doc), { mode: 0o600 });
  return file;
}

export function admin(): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

export interface LiveHarness extends Harness {
  readonly store: Store;
  readonly platform: PlatformContext;
  readonly delivery: KubernetesDelivery;
  readonly kubeconfig: string;
  readonly root: string;
  close(): Promise<void>;
}

export async function liveHarness(opts: { contexts?: readonly string[]; platformText?: string; wrap?: (d: KubernetesDelivery) => Delivery } = {}): Promise<LiveHarness> {
  const root = await mkdtemp(join(tmpdir(), "landlord-live-"));
  const kubeconfig = await kubeconfigWith(root, opts.contexts ?? []);
  const platform = platformFromText(opts.platformText ?? livePlatformText());
  const store = await openStore({ baseDir: root });
  const k = platform.config.delivery.kubernetes;
  const i = platform.config.integrations;
  const delivery = new KubernetesDelivery(
    new KubeconfigResolver({ file: kubeconfig, contexts: k.contexts }),
    { forceConflicts: k.forceConflicts, parallelism: k.parallelism, readyTimeoutSeconds: k.readyTimeoutSeconds, cnpgNamespace: i.cnpg.namespace, certManagerNamespace: i.certManager.namespace, tokenSeconds: 600 },
    tenantLocator(store, platform),
  );
  const h = harness({ store, platform, folders: foldersUnder(root), delivery: opts.wrap ? opts.wrap(delivery) : delivery, leaseTtlMs: 30_000 });
  return {
    ...h,
    store,
    platform,
    delivery,
    kubeconfig,
    root,
    async close() {
      delivery.close();
      await store.close();
    },
  };
}

/** The bundle of a stored tenant at its recorded placement. */
export async function bundleOfStored(h: LiveHarness, name: string): Promise<Bundle> {
  const record = await h.store.tenants.require(name);
  const placement = isPlacementRecord(record.placement) ? record.placement : undefined;
  return renderBundle(h.platform.config, resolveSpec(h.services, record.spec, placement ? { placement } : {}));
}
