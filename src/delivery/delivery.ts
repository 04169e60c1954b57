/**
 * Where a bundle goes. Adapters: a folder (review, dry run, the default with no cluster)
 * and a GitOps repository. Each reports honestly what it could and could not do.
 */
import type { Bundle } from "../render/bundle.js";
import type { ClusterAccess } from "./cluster-access.js";
import type { KubeObject } from "../render/object.js";
import type { Wave } from "../spec/waves.js";

export interface ApplyResult {
  readonly target: string;
  readonly changed: boolean;
  readonly detail: string;
  /** Set when the objects could not be applied where they must run, with the reason. */
  readonly skipped?: string;
}

export interface ReadyResult {
  readonly ready: boolean;
  /** Set when readiness cannot be observed by this adapter, with the reason. */
  readonly skipped?: string;
  /** What was not waited for and why (an operator that does not run in the cluster). */
  readonly notWaited?: readonly string[];
}

export interface Delivery {
  readonly kind: "directory" | "gitops" | "kubernetes";
  /** True when the adapter talks to a cluster (kubernetes delivery). */
  readonly usesCluster: boolean;
  /** Present when the adapter reaches clusters itself (kubernetes delivery); see cluster-access.ts. */
  readonly cluster?: ClusterAccess;
  apply(bundle: Bundle, tenantSpecYaml: string, wave: Wave): Promise<ApplyResult>;
  /** Adds objects next to a tenant's bundle (e.g. the final Backup before offboarding). */
  applyExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<ApplyResult>;
  /** confirmedBackups: final Backups an operator checked completed by hand, where the delivery cannot observe them. */
  remove(tenant: string, options?: { readonly confirmedBackups?: readonly string[] }): Promise<ApplyResult>;
  /** What the target holds for the tenant now, one YAML text per object ("Kind/name"); undefined if nothing. */
  delivered?(tenant: string): Promise<Map<string, string> | undefined>;
  waitReady(bundle: Bundle, signal: AbortSignal): Promise<ReadyResult>;
  /** Waits until everything of the tenant is gone from its cluster (adapters that can observe it). */
  waitGone?(tenant: string, signal: AbortSignal): Promise<ReadyResult>;
  /** Writes a kubeconfig scoped to the tenant's namespace to `file` (mode 0600); returns its expiry. */
  issueTenantKubeconfig?(tenant: string, file: string): Promise<{ readonly expiresAt: string }>;
  /** Releases connections. */
  close?(): void;
}
