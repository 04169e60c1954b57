/**
 * What the ApplicationSet controller would generate from a checked-out fleet repository,
 * for the two generators the layout uses (Git files, clusters) and the goTemplate subset
 * it uses (`{{ .a.b }}` lookups). Unknown keys fail, like `missingkey=error`, so a
 * template that refers to a field the generator does not provide is caught here.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "../../../src/render/object.js";

type Params = Record<string, unknown>;

function lookup(params: Params, path: string): string {
  let v: unknown = params;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null || !(key in v)) throw new Error(`template refers to .${path}, which the generator does not provide`);
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v !== "string") throw new Error(`.${path} is not a string`);
  return v;
}

export function fillTemplate<T>(value: T, params: Params): T {
  if (typeof value === "string") return value.replace(/\{\{\s*\.([A-Za-z0-9_.]+)\s*\}\}/g, (_m, path: string) => lookup(params, path)) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => fillTemplate(v, params)) as T;
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, params)])) as T;
  return value;
}

interface AppSetSpec {
  generators: { git?: { files?: { path: string }[] }; clusters?: { selector: { matchLabels: Record<string, string> } } }[];
  template: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

function application(appset: KubeObject, params: Params): KubeObject {
  const spec = appset.spec as AppSetSpec;
  const filled = fillTemplate(spec.template, params);
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { ...(filled.metadata as unknown as KubeObject["metadata"]), namespace: appset.metadata.namespace ?? "argocd" }, spec: filled.spec };
}

/** Git files generator over `tenants/*\/placement.json`-like globs of one `*` segment. */
export async function gitFilesApps(dir: string, appset: KubeObject): Promise<KubeObject[]> {
  const spec = appset.spec as AppSetSpec;
  const out: KubeObject[] = [];
  for (const g of spec.generators) {
    for (const f of g.git?.files ?? []) {
      const [head, file] = f.path.split("/*/");
      const parents = await readdir(join(dir, head ?? "")).catch(() => [] as string[]);
      for (const p of parents.sort()) {
        const text = await readFile(join(dir, head ?? "", p, file ?? ""), "utf8").catch(() => undefined);
        if (text === undefined) continue;
        const path = `${head ?? ""}/${p}`;
        out.push(application(appset, { ...(JSON.parse(text) as Params), path: { path, basename: p } }));
      }
    }
  }
  return out;
}

/**
 * Cluster generator over the cluster Secrets that the registrations produce (the
 * ExternalSecret's target template; server filled with a placeholder URL).
 */
export function clusterApps(appset: KubeObject, registrations: readonly KubeObject[]): KubeObject[] {
  const spec = appset.spec as AppSetSpec;
  const out: KubeObject[] = [];
  for (const g of spec.generators) {
    if (!g.clusters) continue;
    for (const r of registrations) {
      const template = (r.spec as { target: { template: { metadata: { labels: Record<string, string> }; data: Record<string, string> } } }).target.template;
      const labels = template.metadata.labels;
      if (labels["argocd.argoproj.io/secret-type"] !== "cluster") continue;
      if (!Object.entries(g.clusters.selector.matchLabels).every(([k, v]) => labels[k] === v)) continue;
      const name = template.data["name"] ?? "";
      out.push(application(appset, { name, nameNormalized: name, server: `https://${name}.example.invalid`, metadata: { labels } }));
    }
  }
  return out;
}

export async function readObjects(dir: string, files: readonly string[]): Promise<KubeObject[]> {
  return Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as KubeObject));
}
