/**
 * Which resource serves an apiVersion and kind, and whether it is namespaced: asked of the
 * API server once per group version and cached; a miss is asked again, since a CRD may have
 * been Established since.
 */
import type { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";

export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

export class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, ResourceInfo>>>();
  constructor(private readonly client: KubeClient) {}

  private fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return this.client.send<ApiResourceList>({ method: "GET", path }).then(
      (list) => {
        const out = new Map<string, ResourceInfo>();
        for (const r of list.resources ?? []) if (!r.name.includes("/")) out.set(r.kind, { plural: r.name, namespaced: r.namespaced });
        return out;
      },
      (err: unknown) => {
        if (err instanceof KubeApiError && err.status === 404) return new Map<string, ResourceInfo>();
        throw err;
      },
    );
  }

  /** undefined when the API server does not serve it (yet). */
  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      entry = this.fetch(apiVersion);
      this.cache.set(apiVersion, entry);
      entry.catch(() => this.cache.delete(apiVersion));
    }
    const hit = (await entry).get(kind);
    if (hit) return hit;
    const fresh = this.fetch(apiVersion);
    this.cache.set(apiVersion, fresh);
    return (await fresh).get(kind);
  }

  /** The REST path of one object (or of its collection when name is undefined). */
  async path(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const info = await this.lookup(apiVersion, kind);
    if (!info) throw new UnservedKindError(apiVersion, kind);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${ns}/${info.plural}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
  }
}

export class UnservedKindError extends Error {
  override readonly name = "UnservedKindError";
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the cluster does not serve ${kind} (${apiVersion}): install its CRD (CloudNativePG, its Barman Cloud plugin, cert-manager, External Secrets, prometheus-operator) before onboarding tenants`);
  }
}
