/** GitOps delivery: commits to the fleet repository that Argo CD syncs. */
import type { Bundle } from "../../render/bundle.js";
import type { GitopsSettings } from "../../render/gitops/argocd.js";
import type { Wave } from "../../spec/waves.js";
import type { KubeObject } from "../../render/object.js";
import type { ApplyResult, Delivery, ReadyResult } from "../delivery.js";
import { objectsByName } from "../delivered.js";
import { ConflictError, RetryableError } from "../../errors.js";
import type { TenantPlacementFile } from "../../render/gitops/argocd.js";
import { sleep } from "../../util/sleep.js";
import type { GitopsRepo } from "./repo.js";

/** Where a committed object runs, for an observer to look it up. */
export interface ObjectRef {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
}

/** A CloudNativePG Backup as seen on its cluster: absent (not synced yet), or its `status.phase` (none yet: just created). */
export type BackupObservation = { readonly found: false } | { readonly found: true; readonly phase?: string };

/** Reads a Backup on its cluster, read-only (e.g. the kubeconfig contexts of delivery.kubernetes). */
export type BackupObserver = (ref: ObjectRef, signal?: AbortSignal) => Promise<BackupObservation>;

/** A tenant's namespace on its cluster; deleted only if it carries that tenant's label. */
export interface NamespaceRef {
  readonly cluster: string;
  readonly namespace: string;
  readonly tenant: string;
}

/**
 * Write access to the tenants' clusters for the one deletion Argo CD no longer makes: a
 * tenant's app never cascades when it goes (docs/adr/0026), so offboarding deletes the
 * namespace itself (e.g. through the kubeconfig contexts of delivery.kubernetes).
 */
export interface TenantNamespaces {
  /** Starts deleting the namespace; false when it was already gone. */
  delete(ref: NamespaceRef, signal?: AbortSignal): Promise<boolean>;
  /** Whether it still exists, terminating included. */
  exists(ref: NamespaceRef, signal?: AbortSignal): Promise<boolean>;
}

/** How long waitGone waits for a namespace to finish terminating before the step retries. */
const GONE_TIMEOUT_MS = 10 * 60_000;
const GONE_POLL_MS = 1_000;

export interface RemoveOptions {
  /**
   * Final Backups an operator checked by hand (`status.phase` completed), when no observer
   * is configured; recorded by the caller in the audit log.
   */
  readonly confirmedBackups?: readonly string[];
}

export class GitopsDelivery implements Delivery {
  readonly kind = "gitops" as const;
  readonly usesCluster = false;
  /** Present only with namespace access: without it, nothing can be observed (the offboard workflow says so). */
  readonly waitGone?: (tenant: string, signal: AbortSignal) => Promise<ReadyResult>;

  constructor(
    private readonly repo: GitopsRepo,
    private readonly settings: GitopsSettings,
    private readonly observeBackup?: BackupObserver,
    private readonly namespaces?: TenantNamespaces,
  ) {
    if (namespaces) this.waitGone = (tenant, signal) => this.namespaceGone(tenant, namespaces, signal);
  }

  async apply(bundle: Bundle, tenantSpecYaml: string, wave: Wave): Promise<ApplyResult> {
    const commit = await this.repo.putTenant(bundle, tenantSpecYaml, wave, this.settings);
    return commit
      ? { target: this.repo.dir, changed: true, detail: `commit ${commit.sha.slice(0, 8)}: ${commit.message}` }
      : { target: this.repo.dir, changed: false, detail: "repository already up to date" };
  }

  async applyExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<ApplyResult> {
    const commit = await this.repo.putExtra(tenant, objects, reason);
    return { target: this.repo.dir, changed: commit !== undefined, detail: commit ? `commit ${commit.sha.slice(0, 8)}: ${commit.message}` : "unchanged" };
  }

  /**
   * Commits the tenant's removal, but only once every final Backup committed for it has
   * been observed completed on its cluster: the Backup commit and the removal commit are
   * separated by that observation, never by a timer. Still running is retryable; failed,
   * or not observable and not confirmed, stops with what to do.
   *
   * Then deletes the tenant's namespace: Argo CD deletes the app but keeps what it deployed
   * (docs/adr/0026). Only once the removal is pushed: before that, the app would still be
   * synced to a revision that holds the namespace and would create it again. Without write
   * access to the cluster, the namespace is kept and the result says how to delete it.
   */
  async remove(tenant: string, options: RemoveOptions = {}, signal?: AbortSignal): Promise<ApplyResult> {
    await this.requireFinalBackups(tenant, options, signal);
    const placement = await this.lastPlacement(tenant);
    const commit = await this.repo.removeTenant(tenant);
    const committed = commit ? `commit ${commit.sha.slice(0, 8)}: ${commit.message}` : "nothing to remove";
    if (!placement) return { target: this.repo.dir, changed: commit !== undefined, detail: `${committed}; no placement was ever committed, so no namespace to delete` };
    const { cluster, namespace } = placement;
    if (!this.namespaces) {
      const skipped =
        `GitOps delivery has no write access to ${cluster} and Argo CD keeps a tenant's namespace when its app goes (docs/adr/0026): ` +
        `once Application tenant-${tenant} is gone from Argo CD, delete it with \`kubectl --context ${cluster} delete namespace ${namespace}\``;
      return { target: this.repo.dir, changed: commit !== undefined, detail: `${committed}; namespace ${namespace} on ${cluster} kept: ${skipped}`, skipped };
    }
    const deleting = await this.namespaces.delete({ cluster, namespace, tenant }, signal);
    const deleted = deleting ? `deleting namespace ${namespace} on ${cluster} and everything in it` : `namespace ${namespace} on ${cluster} already gone`;
    return { target: this.repo.dir, changed: commit !== undefined || deleting, detail: `${committed}; ${deleted}` };
  }

  /** Where the tenant ran: its placement file, or the one its removal deleted (a retry after that commit). */
  private async lastPlacement(tenant: string): Promise<TenantPlacementFile | undefined> {
    return (await this.repo.placement(tenant)) ?? (await this.repo.removedPlacement(tenant));
  }

  private async namespaceGone(tenant: string, namespaces: TenantNamespaces, signal: AbortSignal): Promise<ReadyResult> {
    const placement = await this.lastPlacement(tenant);
    if (!placement) return { ready: true };
    const ref = { cluster: placement.cluster, namespace: placement.namespace, tenant };
    const deadline = Date.now() + GONE_TIMEOUT_MS;
    while (await namespaces.exists(ref, signal)) {
      if (Date.now() > deadline) throw new RetryableError(`namespace ${ref.namespace} on ${ref.cluster} still terminating after ${String(GONE_TIMEOUT_MS / 60_000)} min`);
      await sleep(GONE_POLL_MS, signal);
    }
    return { ready: true };
  }

  /** Unregisters a cluster with no tenant left (after its Terraform destroyed it). */
  async removeCluster(cluster: string): Promise<ApplyResult> {
    const commit = await this.repo.removeCluster(cluster);
    return { target: this.repo.dir, changed: commit !== undefined, detail: commit ? `commit ${commit.sha.slice(0, 8)}: ${commit.message}` : "nothing to remove" };
  }

  private async requireFinalBackups(tenant: string, options: RemoveOptions, signal?: AbortSignal): Promise<void> {
    const backups = await this.repo.finalBackups(tenant);
    if (backups.length === 0) return;
    const placement = await this.repo.placement(tenant);
    const namespace = placement?.namespace ?? `${this.settings.namespacePrefix}${tenant}`;
    const cluster = placement?.cluster ?? "(unknown cluster)";
    const confirmed = new Set(options.confirmedBackups ?? []);
    for (const name of backups) {
      if (confirmed.has(name)) continue;
      const check = `kubectl --context ${cluster} -n ${namespace} get backups.postgresql.cnpg.io ${name} -o jsonpath='{.status.phase}'`;
      if (!this.observeBackup) {
        throw new ConflictError(
          `final backup ${name} of ${tenant} is committed, but GitOps delivery cannot observe whether it completed; nothing was removed. Either give Landlord read access to ${cluster} so it observes the Backup, or check it yourself (\`${check}\` prints completed) and run \`landlord offboard ${tenant} --backup-confirmed ${name}\``,
        );
      }
      const seen = await this.observeBackup({ cluster, namespace, name }, signal);
      const phase = seen.found ? seen.phase : undefined;
      if (phase === "completed") continue;
      if (phase === "failed") {
        throw new ConflictError(`final backup ${name} of ${tenant} failed on ${cluster}; nothing was removed. Look at \`${check.replace(" -o jsonpath='{.status.phase}'", " -o yaml")}\`, fix the cause and take a new final backup`);
      }
      const state = !seen.found ? "not on the cluster yet: Argo CD has not synced it" : `phase: ${phase ?? "none yet"}`;
      throw new RetryableError(`final backup ${name} of ${tenant} is not completed yet on ${cluster} (${state})`);
    }
  }

  async delivered(tenant: string): Promise<Map<string, string> | undefined> {
    const texts = await this.repo.tenantManifests(tenant);
    return texts === undefined ? undefined : objectsByName(texts.join("---\n"));
  }

  waitReady(): Promise<ReadyResult> {
    return Promise.resolve({ ready: false, skipped: "GitOps delivery: Argo CD syncs on its own schedule; readiness needs a cluster connection" });
  }
}
