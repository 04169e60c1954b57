/** GitOps delivery: commits to the fleet repository that Argo CD syncs. */
import type { Bundle } from "../../render/bundle.js";
import type { GitopsSettings } from "../../render/gitops/argocd.js";
import type { Wave } from "../../spec/waves.js";
import type { KubeObject } from "../../render/object.js";
import type { ApplyResult, Delivery, ReadyResult } from "../delivery.js";
import { objectsByName } from "../delivered.js";
import type { GitopsRepo } from "./repo.js";

export class GitopsDelivery implements Delivery {
  readonly kind = "gitops" as const;
  readonly usesCluster = false;
  constructor(
    private readonly repo: GitopsRepo,
    private readonly settings: GitopsSettings,
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

  async remove(tenant: string): Promise<ApplyResult> {
    const commit = await this.repo.removeTenant(tenant);
    return { target: this.repo.dir, changed: commit !== undefined, detail: commit ? `commit ${commit.sha.slice(0, 8)}: ${commit.message}` : "nothing to remove" };
  }

  async delivered(tenant: string): Promise<Map<string, string> | undefined> {
    const texts = await this.repo.tenantManifests(tenant);
    return texts === undefined ? undefined : objectsByName(texts.join("---\n"));
  }

  waitReady(): Promise<ReadyResult> {
    return Promise.resolve({ ready: false, skipped: "GitOps delivery: Argo CD syncs on its own schedule; readiness needs a cluster connection" });
  }
}
