/**
 * Helm at the edge: the pinned Helm CLI (tools/helm, built from helm.sh/helm/v4) templates
 * a chart with a tenant's values. No cluster access: `helm template` only, with the
 * cluster's version passed in. Charts from a repository or an OCI registry are pulled
 * once per reference and version into a cache; a local chart is read where it lies.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { InputError } from "../../errors.js";
import type { HelmSpec } from "../../render/package/types.js";
import { runTool } from "./exec-tool.js";

export interface HelmTools {
  /** Path of the helm binary. */
  readonly bin: string;
  /** Where pulled charts are kept (per reference and version) and Helm's own state lives. */
  readonly cacheDir: string;
}

function buildScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "tools", "helm", "build.sh");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`tools/helm/build.sh not found above ${fileURLToPath(import.meta.url)}; set LANDLORD_HELM_BIN to a helm binary`);
}

/** LANDLORD_HELM_BIN, else the binary tools/helm/build.sh builds once per source hash (several minutes the first time). */
export async function helmBinary(): Promise<string> {
  const preset = process.env.LANDLORD_HELM_BIN;
  if (preset !== undefined && preset !== "") return preset;
  const { stdout, stderr, code } = await runTool("bash", [buildScript()], { timeoutMs: 60 * 60_000 });
  const path = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !existsSync(path)) throw new Error(`tools/helm/build.sh failed (exit ${String(code)}): ${stderr.trim().split("\n").slice(-5).join("\n")}`);
  return path;
}

export function defaultCacheDir(): string {
  const base = process.env.LANDLORD_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/tmp", ".cache"), "landlord");
  return join(base, "charts");
}

/** Helm's config, cache and data under our cache: no user repositories or plugins leak into a render. */
function helmEnv(tools: HelmTools): NodeJS.ProcessEnv {
  const home = join(tools.cacheDir, "helm-home");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
    HELM_PLUGINS: join(home, "plugins"),
    ...(process.env.HTTPS_PROXY !== undefined ? { HTTPS_PROXY: process.env.HTTPS_PROXY } : {}),
    ...(process.env.NO_PROXY !== undefined ? { NO_PROXY: process.env.NO_PROXY } : {}),
  };
}

export function isRemote(spec: HelmSpec): boolean {
  return spec.repository !== undefined || spec.chart.startsWith("oci://");
}

const versionMatches = (a: string, b: string) => a.replace(/^v/, "") === b.replace(/^v/, "");

/** The chart's Chart.yaml (a directory) or the archive's, as `helm show chart` prints it. */
async function chartMetadata(tools: HelmTools, path: string): Promise<{ name: string; version: string }> {
  let text: string;
  if ((await stat(path)).isDirectory()) {
    text = await readFile(join(path, "Chart.yaml"), "utf8");
  } else {
    const r = await runTool(tools.bin, ["show", "chart", path], { env: helmEnv(tools) });
    if (r.code !== 0) throw new InputError([{ file: path, path: "app.package.helm.chart", message: `not a chart archive: ${r.stderr.trim()}`, fix: "point chart at a chart directory or a .tgz made by helm package" }]);
    text = r.stdout;
  }
  const meta = parse(text) as { name?: unknown; version?: unknown } | null;
  const scalar = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
  return { name: scalar(meta?.name), version: scalar(meta?.version) };
}

/**
 * A local path to the chart at the pinned version: the local chart itself (its version
 * must be the pin), or the archive pulled into the cache (`helm pull`, once per reference).
 */
export async function resolveChart(spec: HelmSpec, version: string, baseDir: string, tools: HelmTools): Promise<{ path: string; name: string; version: string }> {
  if (!isRemote(spec)) {
    const path = isAbsolute(spec.chart) ? spec.chart : resolve(baseDir, spec.chart);
    if (!existsSync(path)) throw new InputError([{ path: "app.package.helm.chart", message: `no chart at ${path}`, fix: "point chart at a chart directory or .tgz (relative to landlord.yaml), or set repository" }]);
    const meta = await chartMetadata(tools, path);
    if (!versionMatches(meta.version, version)) {
      throw new InputError([{ path: "app.package.helm.version", message: `the chart at ${spec.chart} is version ${meta.version}, and ${version} is asked for`, fix: `pin version: ${meta.version}, or point chart at the ${version} chart` }]);
    }
    return { path, ...meta };
  }
  const ref = `${spec.repository ?? ""}|${spec.chart}|${version}`;
  const dir = join(tools.cacheDir, createHash("sha256").update(ref).digest("hex").slice(0, 16));
  // Tenants render concurrently (audit, apply): one pull per reference, the others wait for it.
  let pulling = pulls.get(dir);
  if (!pulling) {
    pulling = pull(spec, version, dir, tools);
    pulls.set(dir, pulling);
    pulling.catch(() => pulls.delete(dir));
  }
  const path = await pulling;
  return { path, ...(await chartMetadata(tools, path)) };
}

const pulls = new Map<string, Promise<string>>();

async function pull(spec: HelmSpec, version: string, dir: string, tools: HelmTools): Promise<string> {
  const cached = existsSync(dir) ? (await readdir(dir)).find((f) => f.endsWith(".tgz")) : undefined;
  if (cached === undefined) {
    const tmp = `${dir}.tmp-${String(process.pid)}-${randomBytes(4).toString("hex")}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const args = ["pull", spec.chart, "--version", version, "--destination", tmp, ...(spec.repository !== undefined ? ["--repo", spec.repository] : [])];
    const r = await runTool(tools.bin, args, { env: helmEnv(tools), timeoutMs: 300_000 });
    if (r.code !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new InputError([{ path: "app.package.helm", message: `helm pull ${spec.chart} ${version}${spec.repository !== undefined ? ` from ${spec.repository}` : ""} failed: ${r.stderr.trim()}`, fix: "check the chart name, version and repository, and that this machine reaches it" }]);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  }
  const file = (await readdir(dir)).find((f) => f.endsWith(".tgz")) ?? "";
  return join(dir, file);
}

/** `helm template` of the chart with the values on stdin; the rendered YAML stream. */
export async function helmTemplate(
  tools: HelmTools,
  chart: { path: string; display: string },
  release: string,
  namespace: string,
  values: Record<string, unknown>,
  kubeVersion: string | undefined,
): Promise<string> {
  const args = ["template", release, chart.path, "--namespace", namespace, "--values", "-", "--include-crds", "--skip-tests", ...(kubeVersion !== undefined ? ["--kube-version", kubeVersion] : [])];
  const r = await runTool(tools.bin, args, { input: JSON.stringify(values), env: helmEnv(tools) });
  if (r.code !== 0) {
    throw new InputError([{ file: chart.display, path: "app.values", message: `helm template failed: ${r.stderr.trim().replace(/\s+/g, " ")}`, fix: "fix the values (three layers: defaults, tier, tenant overrides) or the chart; the chart's values.schema.json names what it expects" }]);
  }
  return r.stdout;
}

const chartFileCache = new Map<string, Promise<ReadonlyMap<string, string>>>();

/** A local chart directory's files as text (for the GitOps repository), read once per path. */
export function readChartFiles(dir: string): Promise<ReadonlyMap<string, string>> {
  let files = chartFileCache.get(dir);
  if (!files) {
    files = (async () => {
      const out = new Map<string, string>();
      const walk = async (rel: string): Promise<void> => {
        for (const entry of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
          if (entry.name === ".git") continue;
          const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
          if (entry.isDirectory()) await walk(path);
          else if (entry.isFile()) out.set(path, await readFile(join(dir, path), "utf8"));
        }
      };
      await walk("");
      return out;
    })();
    chartFileCache.set(dir, files);
  }
  return files;
}
