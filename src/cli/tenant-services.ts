/** Wires the tenant workflows to this machine: store, delivery, Terraform, credentials. */
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
import type { CliIo } from "./io.js";
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

async function deliveryFor(io: CliIo, global: GlobalOptions, platform: PlatformContext, base: string, store: Store): Promise<Delivery> {
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
    const [{ KubeconfigResolver }, { kubeBackupObserver }] = await Promise.all([import("../delivery/kubernetes/kubeconfig.js"), import("../delivery/gitops/backup-observer.js")]);
    const resolver = new KubeconfigResolver({
      ...(global.kubeconfig !== undefined ? { file: at(global.kubeconfig) } : {}),
      ...(global.context !== undefined ? { context: global.context } : {}),
      ...(io.env.KUBECONFIG !== undefined ? { env: io.env.KUBECONFIG } : {}),
      contexts: d.kubernetes.contexts,
    });
    return new GitopsDelivery(repo, gitopsSettings(platform.config), kubeBackupObserver(resolver));
  }
  return new DirectoryDelivery(at(d.directory));
}

/**
 * The store named by DATABASE_URL (checked: only a well-formed postgres URL), else the
 * SQLite file beside landlord.yaml. A missing SQLite file beside tenants delivered from
 * here means the store was lost, not that nothing was ever onboarded: writing commands
 * refuse to start an empty one without --new-store, reading ones warn.
 */
export async function openProjectStore(io: CliIo, global: GlobalOptions, platform: PlatformContext, options: RuntimeOptions = {}): Promise<{ store: Store; label: string }> {
  const base = dirname(resolve(io.cwd, global.config));
  const url = io.env.DATABASE_URL === undefined ? undefined : checkDatabaseUrl(io.env.DATABASE_URL);
  const where = locateStore(url, base);
  if (where.backend === "sqlite" && where.target !== ":memory:" && !(await fileExists(where.target))) {
    const delivered = await deliveredFromHere(platform, base);
    if (delivered.length > 0) {
      const listed = `${delivered.slice(0, 5).join(", ")}${delivered.length > 5 ? ` and ${delivered.length - 5} more` : ""}`;
      if (options.readOnly === true) {
        io.stderr(`warning: the store ${where.target} does not exist, but tenants were delivered from here (${listed}): what follows reads an empty store\n`);
      } else if (global.newStore !== true) {
        throw new StoreError(
          `the store file does not exist, but ${delivered.length} tenant${delivered.length === 1 ? " was" : "s were"} delivered from here (${listed}); starting an empty store would lose their phases, placements and history`,
          where.target,
          "restore the file from a backup (or point DATABASE_URL at the store you use); to start an empty store anyway, pass --new-store",
        );
      }
    }
  }
  const store = await openStore({ baseDir: base, ...(url ? { url } : {}), ...(options.readOnly === true ? { readOnly: true } : {}) });
  return { store, label: url ? redactedUrl(url) : where.target };
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function openRuntime(io: CliIo, global: GlobalOptions, onProgress?: ProgressListener, options: RuntimeOptions = {}): Promise<Runtime> {
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
