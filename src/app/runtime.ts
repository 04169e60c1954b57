/**
 * The composition root: wires the tenant workflows to this machine (store, delivery,
 * Terraform, credentials). The CLI opens it per command, `landlord serve` once for its life.
 */
import { readdir, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { StoreError } from "../errors.js";
import type { Delivery } from "../delivery/delivery.js";
import { tenantLocator } from "../workflows/tenant/locate.js";
import { DirectoryDelivery } from "../delivery/directory/directory-delivery.js";
import { TerraformRunner } from "../delivery/terraform/runner.js";
import { gitopsSettings } from "../render/gitops/argocd.js";
import type { PlatformContext } from "../spec/platform.js";
import { checkDatabaseUrl, locateStore, openStore, redactedUrl, type Store } from "../store/index.js";
import type { ProgressListener, WorkflowEngine } from "../workflows/engine/index.js";
import { tenantEngine } from "../workflows/tenant/engine.js";
import type { TenantServices } from "../workflows/tenant/services.js";
import type { Host } from "./host.js";
import { loadPlatformFile, type GlobalOptions } from "./load-files.js";

export interface Runtime {
  readonly services: TenantServices;
  readonly engine: WorkflowEngine;
  readonly store: Store;
  /** Where the store lives, for messages (never the password of a URL). */
  readonly storeLabel: string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Commands that only read: the store is opened without creating or migrating it unless behind (see openStore). */
  readonly readOnly?: boolean;
  /** `landlord serve`: the store's connections stay open (see store/postgres.ts). */
  readonly longLived?: boolean;
}

/** Folder names under `dir`, or none when it does not exist. */
async function folders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * Tenants delivered from this folder: each onboarding leaves its credentials folder, and
 * the directory and GitOps deliveries a folder per tenant. Evidence that a store existed.
 */
async function deliveredFromHere(platform: PlatformContext, base: string): Promise<string[]> {
  const d = platform.config.delivery;
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const found = new Set(await folders(join(base, ".landlord", "credentials")));
  if (d.mode === "directory") for (const n of await folders(at(d.directory))) found.add(n);
  if (d.mode === "gitops") for (const n of await folders(join(at(d.gitopsRepo), "tenants"))) found.add(n);
  return [...found].sort();
}

async function deliveryFor(io: Host, global: GlobalOptions, platform: PlatformContext, base: string, store: Store): Promise<Delivery> {
  const d = platform.config.delivery;
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  // Each delivery's client (the Kubernetes client, git) is loaded only in its mode: most
  // commands that open the runtime never deliver, and those modules are most of start-up.
  if (d.mode === "kubernetes") {
    const [{ KubeconfigResolver }, { KubernetesDelivery }] = await Promise.all([import("../delivery/kubernetes/kubeconfig.js"), import("../delivery/kubernetes/kubernetes-delivery.js")]);
    const resolver = new KubeconfigResolver({
      ...(global.kubeconfig !== undefined ? { file: at(global.kubeconfig) } : {}),
      ...(global.context !== undefined ? { context: global.context } : {}),
      ...(io.env.KUBECONFIG !== undefined ? { env: io.env.KUBECONFIG } : {}),
      contexts: d.kubernetes.contexts,
    });
    const i = platform.config.integrations;
    return new KubernetesDelivery(
      resolver,
      {
        forceConflicts: d.kubernetes.forceConflicts,
        parallelism: d.kubernetes.parallelism,
        readyTimeoutSeconds: d.kubernetes.readyTimeoutSeconds,
        cnpgNamespace: i.cnpg.namespace,
        certManagerNamespace: i.certManager.namespace,
        tokenSeconds: 3600,
      },
      tenantLocator(store, platform),
    );
  }
  if (d.mode === "gitops") {
    const [{ GitopsDelivery }, { GitopsRepo }] = await Promise.all([import("../delivery/gitops/gitops-delivery.js"), import("../delivery/gitops/repo.js")]);
    const repo = await GitopsRepo.open({ dir: at(d.gitopsRepo), ...(d.pushTo ? { pushTo: d.pushTo } : {}) });
    // With read access to the clusters (contexts in landlord.yaml, or --kubeconfig/--context),
    // offboarding observes the final Backup itself instead of asking the operator to confirm it.
    const canObserve = Object.keys(d.kubernetes.contexts).length > 0 || global.kubeconfig !== undefined || global.context !== undefined;
    if (!canObserve) return new GitopsDelivery(repo, gitopsSettings(platform.config));
    const [{ KubeconfigResolver }, { kubeBackupObserver, kubeTenantNamespaces }] = await Promise.all([import("../delivery/kubernetes/kubeconfig.js"), import("../delivery/gitops/backup-observer.js")]);
    const resolver = new KubeconfigResolver({
      ...(global.kubeconfig !== undefined ? { file: at(global.kubeconfig) } : {}),
      ...(global.context !== undefined ? { context: global.context } : {}),
      ...(io.env.KUBECONFIG !== undefined ? { env: io.env.KUBECONFIG } : {}),
      contexts: d.kubernetes.contexts,
    });
    return new GitopsDelivery(repo, gitopsSettings(platform.config), kubeBackupObserver(resolver), kubeTenantNamespaces(resolver));
  }
  return new DirectoryDelivery(at(d.directory));
}

/**
 * The store named by DATABASE_URL (checked: only a well-formed postgres URL), else the
 * SQLite file beside landlord.yaml. A missing SQLite file beside tenants delivered from
 * here means the store was lost, not that nothing was ever onboarded: writing commands
 * refuse to start an empty one without --new-store, reading ones warn. In kubernetes mode
 * a fresh checkout holds no trace of earlier deliveries, so the clusters are asked.
 */
export async function openProjectStore(io: Host, global: GlobalOptions, platform: PlatformContext, options: RuntimeOptions = {}): Promise<{ store: Store; label: string }> {
  const base = dirname(resolve(io.cwd, global.config));
  const url = io.env.DATABASE_URL === undefined ? undefined : checkDatabaseUrl(io.env.DATABASE_URL);
  const where = locateStore(url, base);
  const readOnly = options.readOnly === true;
  // A writing command with --new-store starts empty whatever is found: no need to look.
  if (where.backend === "sqlite" && where.target !== ":memory:" && (readOnly || global.newStore !== true) && !(await fileExists(where.target))) {
    let evidence: string[] = await deliveredFromHere(platform, base);
    let source = "delivered from here";
    let anyway = "to start an empty store anyway, pass --new-store";
    if (evidence.length === 0 && platform.config.delivery.mode === "kubernetes") {
      const onClusters = await tenantsOnClusters(io, global, platform, base);
      evidence = onClusters.tenants;
      source = `found on kubeconfig ${onClusters.contexts.length === 1 ? "context" : "contexts"} ${onClusters.contexts.join(", ")}`;
      // Namespaces carry no mark of the project that made them: say when --new-store is right.
      anyway = "if those tenants belong to another Landlord project sharing the cluster, or to start an empty store anyway, pass --new-store";
    }
    if (evidence.length > 0) {
      const listed = `${evidence.slice(0, 5).join(", ")}${evidence.length > 5 ? ` and ${evidence.length - 5} more` : ""}`;
      if (readOnly) {
        io.stderr(`warning: the store ${where.target} does not exist, but tenants were ${source} (${listed}): what follows reads an empty store\n`);
      } else {
        throw new StoreError(
          `the store file does not exist, but ${evidence.length} tenant${evidence.length === 1 ? " was" : "s were"} ${source} (${listed}); starting an empty store would lose their phases, placements and history`,
          where.target,
          `restore the file from a backup (or point DATABASE_URL at the store you use); ${anyway}`,
        );
      }
    }
  }
  const store = await openStore({ baseDir: base, ...(url ? { url } : {}), ...(readOnly ? { readOnly: true } : {}), ...(options.longLived === true ? { longLived: true } : {}) });
  return { store, label: url ? redactedUrl(url) : where.target };
}

/** How long one cluster may take to list its namespaces before it counts as not checked. */
const CLUSTER_CHECK_MS = 3000;

/**
 * Tenants whose namespaces Landlord manages on the clusters landlord.yaml names (by the
 * contexts delivery would use), asked in parallel with a short timeout. A cluster that
 * cannot be asked (no kubeconfig, no such context, unreachable, forbidden) is a warning
 * naming its context, never a refusal: only positive evidence stops a writing command, so
 * a first onboarding while one cluster is down, or before the kubeconfig is set up, still
 * starts. A cluster shared with another Landlord project shows that project's tenants too
 * (namespaces carry no project mark), hence the refusal names --new-store for that case.
 * The Kubernetes modules load only here, as in deliveryFor.
 */
async function tenantsOnClusters(io: Host, global: GlobalOptions, platform: PlatformContext, base: string): Promise<{ tenants: string[]; contexts: string[] }> {
  const [{ KubeconfigResolver }, { KubeClient }, { LABEL }] = await Promise.all([
    import("../delivery/kubernetes/kubeconfig.js"),
    import("../delivery/kubernetes/client.js"),
    import("../render/object.js"),
  ]);
  const d = platform.config.delivery;
  const resolver = new KubeconfigResolver({
    ...(global.kubeconfig !== undefined ? { file: isAbsolute(global.kubeconfig) ? global.kubeconfig : join(base, global.kubeconfig) } : {}),
    ...(global.context !== undefined ? { context: global.context } : {}),
    ...(io.env.KUBECONFIG !== undefined ? { env: io.env.KUBECONFIG } : {}),
    contexts: d.kubernetes.contexts,
  });
  // One question per context: with --context every cluster is the same one.
  const byContext = new Map<string, string>();
  for (const cluster of [...platform.config.clusters.map((c) => c.name), ...Object.keys(d.kubernetes.contexts)]) {
    const context = resolver.contextFor(cluster);
    if (!byContext.has(context)) byContext.set(context, cluster);
  }
  const found = new Set<string>();
  const holding: string[] = [];
  await Promise.all(
    [...byContext].map(async ([context, cluster]) => {
      let client: InstanceType<typeof KubeClient> | undefined;
      const signal = AbortSignal.timeout(CLUSTER_CHECK_MS);
      try {
        const { kc } = resolver.configFor(cluster);
        client = new KubeClient(kc, context, { maxElapsedMs: CLUSTER_CHECK_MS - 500, baseDelayMs: 100, maxDelayMs: 500 });
        const list = await client.send<{ items?: { metadata?: { labels?: Record<string, string>; deletionTimestamp?: string } }[] }>({
          method: "GET",
          path: "/api/v1/namespaces",
          query: { labelSelector: `${LABEL.managedBy}=landlord,${LABEL.tenant}` },
          signal,
        });
        for (const ns of list.items ?? []) {
          const tenant = ns.metadata?.labels?.[LABEL.tenant];
          // A namespace being deleted is a tenant on its way out, not one a new store would lose.
          if (tenant === undefined || ns.metadata?.deletionTimestamp !== undefined) continue;
          found.add(tenant);
          if (!holding.includes(context)) holding.push(context);
        }
      } catch (err) {
        const why = signal.aborted ? `no answer within ${String(CLUSTER_CHECK_MS / 1000)} s` : err instanceof Error ? err.message : String(err);
        io.stderr(`warning: the store file does not exist and kubeconfig context ${context} could not be checked for tenants delivered earlier (${why})\n`);
      } finally {
        client?.close();
      }
    }),
  );
  return { tenants: [...found].sort(), contexts: holding.sort() };
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function openRuntime(io: Host, global: GlobalOptions, onProgress?: ProgressListener, options: RuntimeOptions = {}): Promise<Runtime> {
  const platform = await loadPlatformFile(io, global);
  const base = dirname(resolve(io.cwd, global.config));
  const { store, label } = await openProjectStore(io, global, platform, options);
  try {
    const services: TenantServices = {
      platform,
      store,
      delivery: await deliveryFor(io, global, platform, base, store),
      terraform: new TerraformRunner(platform.config, join(base, ".landlord", "terraform"), base),
      credentialsDir: join(base, ".landlord", "credentials"),
    };
    const engine = tenantEngine(services, onProgress ? { onProgress } : {});
    return { services, engine, store, storeLabel: label, close: async () => {
        services.delivery.close?.();
        await store.close();
      } };
  } catch (err) {
    await store.close();
    throw err;
  }
}
