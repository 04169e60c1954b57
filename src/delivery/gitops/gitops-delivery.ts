/** GitOps delivery: commits to the fleet repository that Argo CD syncs. */
import type { Bundle } from "../../render/bundle.js";
import type { GitopsSettings } from "../../render/gitops/argocd.js";
import type { Wave } from "../../spec/waves.js";
import type { KubeObject } from "../../render/object.js";
import type { ApplyResult, Delivery, ReadyResult } from "../delivery.js";
import { objectsByName } from "../delivered.js";
import { ConflictError, RetryableError } from "../../errors.js";
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
  constructor(
    private readonly repo: GitopsRepo,
    private readonly settings: GitopsSettings,
    private readonly observeBackup?: BackupObserver,
  ) {}

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
   */
  async remove(tenant: string, options: RemoveOptions = {}, signal?: AbortSignal): Promise<ApplyResult> {
    await this.requireFinalBackups(tenant, options, signal);
    const commit = await this.repo.removeTenant(tenant);
    return { target: this.repo.dir, changed: commit !== undefined, detail: commit ? `commit ${commit.sha.slice(0, 8)}: ${commit.message}` : "nothing to remove" };
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
