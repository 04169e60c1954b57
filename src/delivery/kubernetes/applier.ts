/**
 * Server-side apply of a tenant's objects with field manager `landlord`: in phases
 * (namespace, fences and identity, workloads, custom resources), with bounded parallelism,
 * no write when the live object already holds what the bundle asks, and pruning of what
 * the previous apply created and the bundle no longer has.
 */
import type { KubeObject } from "../../render/object.js";
import { LABEL } from "../../render/object.js";
import type { KubeClient } from "./client.js";
import { findDrift, type Drift } from "./compare.js";
import { Discovery } from "./discovery.js";
import { AdmissionDeniedError, FieldConflictError, KubeApiError, conflictsOf } from "./errors.js";
import { ANNOTATION, FIELD_MANAGER, displayRef, objectHash, parseRef, phaseOf, refOf, withHash, type ObjectRef } from "./objects.js";
import { mapLimit } from "./pool.js";

export type Action = "created" | "configured" | "repaired" | "unchanged" | "pruned";

export interface ObjectOutcome {
  readonly object: string;
  readonly action: Action;
  /** For `repaired`: the field found changed by hand. */
  readonly drift?: Drift;
  /** Why the object was not sent (a dry run into a namespace that does not exist yet). */
  readonly note?: string;
}

export interface ApplyReport {
  readonly outcomes: readonly ObjectOutcome[];
  /** Requests that changed the cluster during this apply. */
  readonly writes: number;
}

export interface ApplyOptions {
  /** Take over fields other managers own on every write (delivery.kubernetes.forceConflicts). */
  readonly force: boolean;
  /**
   * Take fields back when the bundle is unchanged but the object was edited by hand (the
   * reconcile's purpose); a changed bundle meeting another manager's field still reports it.
   */
  readonly repairDrift: boolean;
  /** Server-side dry run: nothing is persisted and nothing pruned. */
  readonly dryRun: boolean;
  readonly parallelism: number;
  readonly signal?: AbortSignal;
  readonly onObject?: (outcome: ObjectOutcome) => void;
}

export interface TenantTarget {
  readonly tenant: string;
  readonly namespace: string;
}

type Live = Record<string, unknown> & { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } };

export function inventoryOf(ns: Live | undefined): ObjectRef[] {
  const text = ns?.metadata?.annotations?.[ANNOTATION.inventory];
  if (text === undefined) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function withInventory(ns: KubeObject, refs: readonly ObjectRef[]): KubeObject {
  return { ...ns, metadata: { ...ns.metadata, annotations: { ...ns.metadata.annotations, [ANNOTATION.inventory]: JSON.stringify([...refs].sort()) } } };
}

export class Applier {
  readonly discovery: Discovery;
  constructor(readonly client: KubeClient) {
    this.discovery = new Discovery(client);
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string, signal?: AbortSignal): Promise<Live | undefined> {
    const path = await this.discovery.path(apiVersion, kind, namespace, name);
    try {
      return await this.client.send<Live>({ method: "GET", path, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** One server-side apply request; conflicts and denials become typed errors naming the object. */
  async patch(o: KubeObject, opts: Pick<ApplyOptions, "force" | "dryRun" | "signal">): Promise<Live> {
    const path = await this.discovery.path(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    try {
      return await this.client.send<Live>({
        method: "PATCH",
        path,
        query: { fieldManager: FIELD_MANAGER, force: opts.force ? "true" : undefined, dryRun: opts.dryRun ? "All" : undefined },
        body: o,
        contentType: "application/apply-patch+yaml",
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      const conflicts = conflictsOf(err);
      if (err.status === 409 && conflicts.length > 0) throw new FieldConflictError(displayRef(o), conflicts);
      if (err.status === 403 || err.status === 422 || err.status === 400) {
        throw new AdmissionDeniedError(displayRef(o), err.detail, err.causes.map((c) => c.field ?? "").filter((f) => f !== ""));
      }
      throw err;
    }
  }

  /** Applies one object unless the live one already holds it; returns what happened. */
  private async applyOne(o: KubeObject, live: Live | undefined, known: boolean, opts: ApplyOptions): Promise<ObjectOutcome> {
    // Hashing canonical JSON is the costliest part of a no-op reconcile: once per object.
    const hash = objectHash(o);
    const desired = withHash(o, hash);
    const current = known ? live : await this.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, opts.signal);
    let action: Action = "created";
    let drift: Drift | undefined;
    if (current) {
      const sameHash = current.metadata?.annotations?.[ANNOTATION.hash] === hash;
      drift = findDrift(desired, current);
      if (sameHash && drift === undefined) return { object: displayRef(o), action: "unchanged" };
      action = sameHash ? "repaired" : "configured";
    }
    await this.patch(desired, { ...opts, force: opts.force || (action === "repaired" && opts.repairDrift) });
    return { object: displayRef(o), action, ...(action === "repaired" && drift ? { drift } : {}) };
  }

  /**
   * Applies the tenant's objects. The Namespace carries the inventory: first the union of
   * the old and new sets (so a crash mid-way still knows what to prune), then, after the
   * prune, only the new set.
   */
  async apply(target: TenantTarget, objects: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyReport> {
    const writesBefore = this.client.counters.writes;
    const nsObject = objects.find((o) => o.kind === "Namespace" && o.metadata.name === target.namespace);
    if (!nsObject) throw new Error(`bundle of ${target.tenant} has no Namespace ${target.namespace}`);
    const liveNs = await this.get("v1", "Namespace", undefined, target.namespace, opts.signal);
    if (liveNs && liveNs.metadata?.labels?.[LABEL.tenant] !== target.tenant) {
      throw new AdmissionDeniedError(`Namespace/${target.namespace}`, `namespace exists and does not belong to tenant ${target.tenant} (label ${LABEL.tenant} is '${liveNs.metadata?.labels?.[LABEL.tenant] ?? ""}'); Landlord never takes over what it did not create`, []);
    }
    const fresh = liveNs === undefined || (liveNs as { status?: { phase?: string } }).status?.phase === "Terminating";
    const previous = inventoryOf(liveNs);
    const wanted = objects.map(refOf);
    const union = [...new Set([...previous, ...wanted])];
    const outcomes: ObjectOutcome[] = [];
    const record = (x: ObjectOutcome) => {
      outcomes.push(x);
      opts.onObject?.(x);
    };

    record(await this.applyOne(withInventory(nsObject, union), liveNs, true, opts));
    const rest = objects.filter((o) => o !== nsObject);
    if (opts.dryRun && liveNs === undefined) {
      // The API server cannot dry-run objects into a namespace a dry run did not create.
      for (const o of rest) record({ object: displayRef(o), action: "created", note: "not sent: its namespace does not exist yet" });
      return { outcomes, writes: this.client.counters.writes - writesBefore };
    }
    for (const phase of [0, 1, 2, 3] as const) {
      const batch = rest.filter((o) => phaseOf(o) === phase);
      const results = await mapLimit(batch, opts.parallelism, (o) => this.applyOne(o, undefined, fresh, opts));
      for (const r of results) record(r);
    }
    if (opts.dryRun) return { outcomes, writes: this.client.counters.writes - writesBefore };

    const stale = previous.filter((r) => !wanted.includes(r));
    for (const ref of stale) {
      const pruned = await this.prune(target, ref, opts.signal);
      if (pruned) record({ object: pruned, action: "pruned" });
    }
    if (union.length !== wanted.length) record(await this.applyOne(withInventory(nsObject, wanted), undefined, false, opts));
    return { outcomes, writes: this.client.counters.writes - writesBefore };
  }

  /** Applies objects that belong to no tenant (the cluster bootstrap), in phases, without inventory or prune. */
  async applyPlatform(objects: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyReport> {
    const writesBefore = this.client.counters.writes;
    const outcomes: ObjectOutcome[] = [];
    for (const phase of [0, 1, 2, 3] as const) {
      const batch = objects.filter((o) => phaseOf(o) === phase);
      for (const r of await mapLimit(batch, opts.parallelism, (o) => this.applyOne(o, undefined, false, opts))) {
        outcomes.push(r);
        opts.onObject?.(r);
      }
    }
    return { outcomes, writes: this.client.counters.writes - writesBefore };
  }

  /** Deletes one object of the old inventory, only if it still carries the tenant's ownership labels. */
  private async prune(target: TenantTarget, ref: ObjectRef, signal?: AbortSignal): Promise<string | undefined> {
    const parsed = parseRef(ref);
    if (!parsed) return undefined;
    const info = await this.discovery.lookup(parsed.apiVersion, parsed.kind);
    if (!info) return undefined;
    const namespace = info.namespaced ? target.namespace : undefined;
    const live = await this.get(parsed.apiVersion, parsed.kind, namespace, parsed.name, signal);
    const labels = live?.metadata?.labels ?? {};
    if (!live || labels[LABEL.managedBy] !== "landlord" || labels[LABEL.tenant] !== target.tenant) return undefined;
    const path = await this.discovery.path(parsed.apiVersion, parsed.kind, namespace, parsed.name);
    try {
      await this.client.send({ method: "DELETE", path, body: { propagationPolicy: "Background" }, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
    return `${parsed.kind}/${parsed.name}${namespace === undefined ? "" : ` in ${namespace}`}`;
  }

  /** Per object: does it exist, does it hold what the bundle asks (hash and fields), what drifted. */
  async inspect(objects: readonly KubeObject[], parallelism: number, signal?: AbortSignal): Promise<{ object: KubeObject; live: Live | undefined; applied: boolean; drift?: Drift }[]> {
    return mapLimit(objects, parallelism, async (o) => {
      const live = await this.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, signal);
      if (!live) return { object: o, live, applied: false };
      // The Namespace was applied with the inventory annotation, which is part of its hash.
      const applied = live.metadata?.annotations?.[ANNOTATION.hash] === objectHash(o.kind === "Namespace" ? withInventory(o, inventoryOf(live)) : o);
      const drift = findDrift(o, live);
      return { object: o, live, applied, ...(drift ? { drift } : {}) };
    });
  }
}
