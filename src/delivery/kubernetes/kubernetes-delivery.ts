/**
 * Kubernetes delivery: each tenant's bundle is server-side applied to the cluster its
 * placement names, through the kubeconfig context for that cluster. Unchanged tenants cost
 * reads only; hand edits are repaired; what a bundle drops is pruned.
 */
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { stringify } from "yaml";
import type { Bundle } from "../../render/bundle.js";
import { ADMIN_SERVICE_ACCOUNT } from "../../render/kubernetes/rbac.js";
import type { KubeObject } from "../../render/object.js";
import { RetryableError } from "../../errors.js";
import type { ClusterAccess } from "../cluster-access.js";
import type { ApplyResult, Delivery, ReadyResult } from "../delivery.js";
import { Applier, inventoryOf, withInventory, type ApplyReport, type ObjectOutcome } from "./applier.js";
import { KubeClient } from "./client.js";
import { removeNamespace } from "./namespace-removal.js";
import { ClusterUnavailableError, GuardrailsMissingError, KubeApiError } from "./errors.js";
import { GUARDRAIL_POLICIES } from "../../render/platform/admission-policies.js";
import type { KubeconfigResolver } from "./kubeconfig.js";
import { ANNOTATION, objectHash, refOf, withHash, withoutServerFields } from "./objects.js";
import { checkReadiness, operatorsPresent, type ObjectReadiness } from "./readiness.js";
import { runMigrations } from "./migrations.js";
import { sleep } from "../../util/sleep.js";

export interface KubernetesSettings {
  readonly forceConflicts: boolean;
  readonly parallelism: number;
  readonly readyTimeoutSeconds: number;
  readonly cnpgNamespace: string;
  readonly certManagerNamespace: string;
  /** Lifetime of an issued tenant kubeconfig's token. */
  readonly tokenSeconds: number;
}

/** Where a stored tenant lives; the delivery asks the store (through this) for removals. */
export type TenantLocator = (tenant: string) => Promise<{ readonly cluster: string; readonly namespace: string }>;


/** Outages and throttling are worth another attempt of the step; decisions (denials, conflicts) are not. */
function transient(err: unknown): never {
  if (err instanceof ClusterUnavailableError) throw new RetryableError(err.message);
  if (err instanceof KubeApiError && (err.status === 429 || err.status >= 500)) throw new RetryableError(err.message);
  throw err;
}

function summary(report: ApplyReport): string {
  const counts = new Map<string, number>();
  for (const o of report.outcomes) counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${String(n)} ${a}`).join(", ");
}

export class KubernetesDelivery implements Delivery, ClusterAccess {
  readonly kind = "kubernetes" as const;
  readonly usesCluster = true;
  private readonly appliers = new Map<string, Applier>();
  private readonly guarded = new Set<string>();

  constructor(
    private readonly kubeconfigs: KubeconfigResolver,
    private readonly settings: KubernetesSettings,
    private readonly locate: TenantLocator,
    private readonly onObject?: (tenant: string, outcome: ObjectOutcome) => void,
  ) {}

  /** This adapter is its own cluster access; a getter, so a subclass or proxy offers itself. */
  get cluster(): ClusterAccess {
    return this;
  }

  /** One client (and keep-alive connection pool, discovery cache) per cluster. */
  applierFor(cluster: string): Applier {
    let a = this.appliers.get(cluster);
    if (!a) {
      const { kc, context } = this.kubeconfigs.configFor(cluster);
      a = new Applier(new KubeClient(kc, context));
      this.appliers.set(cluster, a);
    }
    return a;
  }

  async applyBundle(bundle: Bundle, opts: { dryRun?: boolean; repairDrift?: boolean; signal?: AbortSignal } = {}): Promise<ApplyReport> {
    const applier = this.applierFor(bundle.placement.cluster);
    try {
      await this.requireGuardrails(bundle.placement.cluster, applier);
      // An app package's migrations complete before its new version is applied (docs/adr/0013).
      if (bundle.app && opts.dryRun !== true) await runMigrations(applier, bundle, { force: this.settings.forceConflicts, parallelism: this.settings.parallelism, timeoutSeconds: this.settings.readyTimeoutSeconds, ...(opts.signal ? { signal: opts.signal } : {}) });
      return await applier.apply({ tenant: bundle.tenant, namespace: bundle.namespace }, bundle.objects, {
        force: this.settings.forceConflicts,
        repairDrift: opts.repairDrift ?? true,
        dryRun: opts.dryRun ?? false,
        parallelism: this.settings.parallelism,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(this.onObject ? { onObject: (o: ObjectOutcome) => this.onObject?.(bundle.tenant, o) } : {}),
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 403 && /being terminated/.test(err.detail)) {
        throw new RetryableError(`namespace ${bundle.namespace} is still being deleted (an earlier offboarding); retrying once it is gone`);
      }
      return transient(err);
    }
  }

  /**
   * Fail closed: a tenant is never delivered to a cluster whose API server does not enforce
   * the platform's admission guardrails (landlord bootstrap installs them).
   */
  private async requireGuardrails(cluster: string, applier: Applier): Promise<void> {
    if (this.guarded.has(cluster)) return;
    const missing: string[] = [];
    for (const name of GUARDRAIL_POLICIES) {
      const binding = await applier.get("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", undefined, name);
      if (!binding) missing.push(name);
    }
    if (missing.length > 0) {
      throw new GuardrailsMissingError(`cluster ${cluster} does not enforce the tenant guardrails (missing admission policy bindings: ${missing.join(", ")}); run \`landlord bootstrap --cluster ${cluster}\` first, then run the same command again`);
    }
    this.guarded.add(cluster);
  }

  /** Applies the cluster bootstrap (admission guardrails) to one cluster. */
  async bootstrap(cluster: string, objects: readonly KubeObject[], dryRun: boolean): Promise<ApplyReport> {
    const applier = this.applierFor(cluster);
    try {
      return await applier.applyPlatform(objects, { force: this.settings.forceConflicts, repairDrift: true, dryRun, parallelism: this.settings.parallelism });
    } catch (err) {
      return transient(err);
    }
  }

  async apply(bundle: Bundle): Promise<ApplyResult> {
    const report = await this.applyBundle(bundle);
    const context = this.kubeconfigs.contextFor(bundle.placement.cluster);
    return { target: `${context}/${bundle.namespace}`, changed: report.writes > 0, detail: `applied to ${context}: ${summary(report)} (${String(report.writes)} writes)` };
  }

  /**
   * Objects beside the bundle, such as the final database Backup before offboarding. A
   * CloudNativePG Backup is waited for until completed; when CloudNativePG does not run
   * (or its Backup kind is not served), it is reported as skipped, never as done.
   */
  async applyExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<ApplyResult> {
    const { cluster, namespace } = await this.locate(tenant);
    const applier = this.applierFor(cluster);
    const live = await applier.get("v1", "Namespace", undefined, namespace).catch(transient);
    if (!live) return { target: namespace, changed: false, detail: `${reason}: namespace ${namespace} does not exist, nothing to do` };
    const done: string[] = [];
    try {
      for (const o of objects) {
        const name = `${o.kind}/${o.metadata.name}`;
        const isBackup = o.kind === "Backup" && o.apiVersion.startsWith("postgresql.cnpg.io/");
        const served = await applier.discovery.lookup(o.apiVersion, o.kind);
        const operators = isBackup ? await operatorsPresent(applier, this.settings.cnpgNamespace, this.settings.certManagerNamespace) : {};
        if (!served || (isBackup && operators.cnpg !== undefined)) {
          const why = served ? (operators.cnpg ?? "") : `${o.kind} (${o.apiVersion}) is not served by cluster ${cluster}: its operator is not installed`;
          return { target: namespace, changed: done.length > 0, detail: `${reason}: ${name} not applied`, skipped: why };
        }
        await applier.patch(o, { force: this.settings.forceConflicts, dryRun: false });
        if (isBackup) await this.waitBackup(applier, o);
        done.push(name);
      }
    } catch (err) {
      return transient(err);
    }
    return { target: namespace, changed: true, detail: `${reason}: ${done.join(", ")} applied${objects.some((o) => o.kind === "Backup") ? " and completed" : ""}` };
  }

  private async waitBackup(applier: Applier, o: KubeObject): Promise<void> {
    const deadline = Date.now() + this.settings.readyTimeoutSeconds * 1000;
    for (;;) {
      const live = await applier.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
      const status = (live?.status ?? {}) as { phase?: string; error?: string };
      if (status.phase === "completed") return;
      if (status.phase === "failed") throw new Error(`backup ${o.metadata.name} failed: ${status.error ?? "see kubectl describe backup"}`);
      if (Date.now() > deadline) throw new RetryableError(`backup ${o.metadata.name} not completed after ${String(this.settings.readyTimeoutSeconds)} s (phase ${status.phase ?? "none"})`);
      await sleep(1_000);
    }
  }

  async remove(tenant: string): Promise<ApplyResult> {
    const { cluster, namespace } = await this.locate(tenant);
    const result = await removeNamespace(this.applierFor(cluster), namespace, {
      timeoutMs: this.settings.readyTimeoutSeconds * 1000,
      wait: false,
      guard: (live) => {
        if (live.metadata?.labels?.["landlord.dev/tenant"] !== tenant) throw new Error(`namespace ${namespace} does not carry landlord.dev/tenant=${tenant}; not deleting what Landlord did not create`);
        return undefined;
      },
    }).catch(transient);
    return { target: namespace, changed: result.existed, detail: result.detail };
  }

  async waitGone(tenant: string, signal: AbortSignal): Promise<ReadyResult> {
    const { cluster, namespace } = await this.locate(tenant);
    const applier = this.applierFor(cluster);
    const deadline = Date.now() + this.settings.readyTimeoutSeconds * 1000;
    for (;;) {
      const live = await applier.get("v1", "Namespace", undefined, namespace, signal).catch(transient);
      if (!live) return { ready: true };
      if (Date.now() > deadline) {
        const conditions = ((live.status as { conditions?: { type?: string; message?: string }[] } | undefined)?.conditions ?? []).map((c) => `${c.type ?? ""}: ${c.message ?? ""}`);
        throw new RetryableError(`namespace ${namespace} still terminating after ${String(this.settings.readyTimeoutSeconds)} s${conditions.length > 0 ? `: ${conditions.join("; ")}` : ""}`);
      }
      await sleep(500, signal);
    }
  }

  /** Readiness of the bundle's objects; `known` holds objects already read (status reads each once). */
  async readiness(bundle: Bundle, signal?: AbortSignal, known?: ReadonlyMap<KubeObject, Record<string, unknown> | undefined>): Promise<ObjectReadiness[]> {
    const applier = this.applierFor(bundle.placement.cluster);
    const operators = await operatorsPresent(applier, this.settings.cnpgNamespace, this.settings.certManagerNamespace);
    return checkReadiness(
      bundle.objects,
      operators,
      (o) => (known?.has(o) === true ? Promise.resolve(known.get(o)) : applier.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, signal)),
      async (namespace, selector) => {
        const list = await applier.client.send<{ items?: Record<string, unknown>[] }>({ method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { labelSelector: selector }, ...(signal ? { signal } : {}) });
        return list.items ?? [];
      },
    );
  }

  async waitReady(bundle: Bundle, signal: AbortSignal): Promise<ReadyResult> {
    const deadline = Date.now() + this.settings.readyTimeoutSeconds * 1000;
    for (;;) {
      const states = await this.readiness(bundle, signal).catch(transient);
      const waiting = states.filter((s) => s.waited && !s.ready);
      const notWaited = states.filter((s) => !s.waited).map((s) => `${s.object}: ${s.reason ?? ""}`);
      if (waiting.length === 0) return { ready: true, ...(notWaited.length > 0 ? { notWaited } : {}) };
      if (Date.now() > deadline) {
        throw new Error(`tenant ${bundle.tenant} not ready after ${String(this.settings.readyTimeoutSeconds)} s: ${waiting.map((s) => `${s.object} (${s.reason ?? "not ready"})`).join("; ")}; see landlord status ${bundle.tenant}, then landlord workflows resume`);
      }
      await sleep(500, signal);
    }
  }

  /** Live objects as the API server holds them, and as a server-side dry run of the bundle would leave them. */
  async preview(bundle: Bundle): Promise<{ before: Map<string, Record<string, unknown>>; after: Map<string, Record<string, unknown>> }> {
    const applier = this.applierFor(bundle.placement.cluster);
    const before = new Map<string, Record<string, unknown>>();
    const after = new Map<string, Record<string, unknown>>();
    const liveNs = await applier.get("v1", "Namespace", undefined, bundle.namespace);
    for (const rendered of bundle.objects) {
      // The Namespace is applied with the inventory of the tenant's objects; an apply would keep it.
      const o = rendered.kind === "Namespace" && liveNs ? withInventory(rendered, [...new Set([...inventoryOf(liveNs), ...bundle.objects.map(refOf)])]) : rendered;
      const key = `${o.kind}/${o.metadata.name}`;
      const live = liveNs ? await applier.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name) : undefined;
      if (live) before.set(key, withoutServerFields(live));
      // A dry run inside a namespace that does not exist yet is refused: show the object as rendered.
      // As an apply would: a hand edit of an unchanged object is taken back, a changed object meets conflicts.
      const hash = objectHash(o);
      const unchanged = live?.metadata?.annotations?.[ANNOTATION.hash] === hash;
      const predicted = liveNs || o.kind === "Namespace" ? await applier.patch(withHash(o, hash), { force: this.settings.forceConflicts || unchanged, dryRun: true }) : o;
      after.set(key, withoutServerFields(predicted));
    }
    return { before, after };
  }

  async issueTenantKubeconfig(tenant: string, file: string): Promise<{ expiresAt: string }> {
    const { cluster, namespace } = await this.locate(tenant);
    const applier = this.applierFor(cluster);
    const { kc, context } = this.kubeconfigs.configFor(cluster);
    const server = kc.getCurrentCluster();
    if (!server) throw new Error(`kubeconfig context ${context} has no cluster`);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${ADMIN_SERVICE_ACCOUNT}/token`;
    const answer = await applier.client
      .send<{ status?: { token?: string; expirationTimestamp?: string } }>({ method: "POST", path, body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: this.settings.tokenSeconds } } })
      .catch(transient);
    const token = answer.status?.token;
    if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${ADMIN_SERVICE_ACCOUNT} returned no token`);
    const name = `${tenant}@${context}`;
    const text = stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: context, cluster: { server: server.server, ...(server.caData !== undefined ? { "certificate-authority-data": server.caData } : {}), ...(server.caFile !== undefined ? { "certificate-authority": server.caFile } : {}) } }],
      users: [{ name: `${tenant}-admin`, user: { token } }],
      contexts: [{ name, context: { cluster: context, user: `${tenant}-admin`, namespace } }],
      "current-context": name,
    });
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
    return { expiresAt: answer.status?.expirationTimestamp ?? "" };
  }

  close(): void {
    for (const a of this.appliers.values()) a.client.close();
  }
}
