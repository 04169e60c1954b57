/** Wires the tenant workflows to this machine: store, delivery, Terraform, credentials. */
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Delivery } from "../delivery/delivery.js";
import { KubeconfigResolver } from "../delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../delivery/kubernetes/kubernetes-delivery.js";
import { tenantLocator } from "../workflows/tenant/locate.js";
import { DirectoryDelivery } from "../delivery/directory/directory-delivery.js";
import { GitopsDelivery } from "../delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../delivery/gitops/repo.js";
import { TerraformRunner } from "../delivery/terraform/runner.js";
import { gitopsSettings } from "../render/gitops/argocd.js";
import type { PlatformContext } from "../spec/platform.js";
import { openStore, type Store } from "../store/index.js";
import { createEngine, type ProgressListener, type WorkflowEngine } from "../workflows/engine/index.js";
import { offboardWorkflow } from "../workflows/tenant/offboard.js";
import { onboardWorkflow } from "../workflows/tenant/onboard.js";
import type { TenantServices } from "../workflows/tenant/services.js";
import { updateWorkflow } from "../workflows/tenant/update.js";
import type { CliIo } from "./io.js";
import { loadPlatformFile, type GlobalOptions } from "./workspace.js";

export interface Runtime {
  readonly services: TenantServices;
  readonly engine: WorkflowEngine;
  readonly store: Store;
  /** Where the store lives, for messages (never the password of a URL). */
  readonly storeLabel: string;
  close(): Promise<void>;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

async function deliveryFor(io: CliIo, global: GlobalOptions, platform: PlatformContext, base: string, store: Store): Promise<Delivery> {
  const d = platform.config.delivery;
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  if (d.mode === "kubernetes") {
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
    const repo = await GitopsRepo.open({ dir: at(d.gitopsRepo), ...(d.pushTo ? { pushTo: d.pushTo } : {}) });
    return new GitopsDelivery(repo, gitopsSettings(platform.config));
  }
  return new DirectoryDelivery(at(d.directory));
}

export async function openRuntime(io: CliIo, global: GlobalOptions, onProgress?: ProgressListener): Promise<Runtime> {
  const platform = await loadPlatformFile(io, global);
  const base = dirname(resolve(io.cwd, global.config));
  const url = io.env.DATABASE_URL;
  const store = await openStore({ baseDir: base, ...(url ? { url } : {}) });
  try {
    const services: TenantServices = {
      platform,
      store,
      delivery: await deliveryFor(io, global, platform, base, store),
      terraform: new TerraformRunner(platform.config, join(base, ".landlord", "terraform"), base),
      credentialsDir: join(base, ".landlord", "credentials"),
    };
    const engine = createEngine({
      store,
      workflows: [onboardWorkflow(services), updateWorkflow(services), offboardWorkflow(services)],
      ...(onProgress ? { onProgress } : {}),
    });
    return { services, engine, store, storeLabel: url ? redactUrl(url) : join(base, ".landlord", "landlord.db"), close: async () => {
        services.delivery.close?.();
        await store.close();
      } };
  } catch (err) {
    await store.close();
    throw err;
  }
}
