/**
 * Kustomize at the edge: `kubectl kustomize` of a generated overlay over the operator's
 * base. kubectl embeds kustomize, and the test control plane's multi-call binary carries
 * kubectl (LANDLORD_CONTROLPLANE_BIN), so no second tool is needed. Kustomize has no
 * values: the overlay sets the image tag to the tenant's version and takes the few
 * Kustomization fields `app.values` may carry (images, replicas, inline patches).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { stringify } from "yaml";
import { InputError, type InputProblem } from "../../errors.js";
import { isPlainObject } from "../../util/plain.js";
import { runTool } from "./exec-tool.js";

/** kubectl's argv prefix: a kubectl binary, or the control plane's multi-call binary. */
export function kubectlCommand(): string[] {
  const kubectl = process.env.LANDLORD_KUBECTL_BIN;
  if (kubectl !== undefined && kubectl !== "") return [kubectl];
  const cp = process.env.LANDLORD_CONTROLPLANE_BIN;
  if (cp !== undefined && cp !== "") return [cp, "kubectl"];
  return ["kubectl"];
}

/** Kustomization fields the layers may set; the rest (resources, generators from files, remote bases) could read beyond the base. */
const OVERLAY_FIELDS = new Set(["images", "replicas", "patches"]);

export function overlayProblems(values: Record<string, unknown>): InputProblem[] {
  const out: InputProblem[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (k === "landlord") continue;
    if (!OVERLAY_FIELDS.has(k)) out.push({ path: `app.values.${k}`, message: `a Kustomize package takes only ${[...OVERLAY_FIELDS].join(", ")} from app.values`, fix: "remove it, or put it into the base" });
    if (k === "patches" && Array.isArray(v)) {
      v.forEach((p, i) => {
        if (!isPlainObject(p) || typeof p.patch !== "string" || p.path !== undefined) out.push({ path: `app.values.patches[${String(i)}]`, message: "patches in values are inline (patch: ...), never files", fix: "write the patch inline" });
      });
    }
  }
  return out;
}

export async function kustomizeBuild(basePath: string, baseDir: string, namespace: string, values: Record<string, unknown>): Promise<string> {
  const base = isAbsolute(basePath) ? basePath : resolve(baseDir, basePath);
  if (!existsSync(base)) throw new InputError([{ path: "app.package.kustomize.path", message: `no Kustomize base at ${base}`, fix: "point path at a directory with a kustomization.yaml (relative to landlord.yaml)" }]);
  const problems = overlayProblems(values);
  if (problems.length > 0) throw new InputError(problems);
  const landlord = (values.landlord ?? {}) as { image?: string; version?: string };
  const images: unknown[] = [...(Array.isArray(values.images) ? (values.images as unknown[]) : []), ...(landlord.image !== undefined ? [{ name: landlord.image, newTag: landlord.version }] : [])];
  const dir = await mkdtemp(join(tmpdir(), "landlord-kustomize-"));
  const overlay = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace,
    // Kustomize takes bases by relative path only.
    resources: [relative(dir, base)],
    ...(images.length > 0 ? { images } : {}),
    ...(values.replicas !== undefined ? { replicas: values.replicas } : {}),
    ...(values.patches !== undefined ? { patches: values.patches } : {}),
  };
  try {
    await writeFile(join(dir, "kustomization.yaml"), stringify(overlay));
    const [bin = "kubectl", ...pre] = kubectlCommand();
    const r = await runTool(bin, [...pre, "kustomize", dir]);
    if (r.code !== 0) throw new InputError([{ file: `kustomize base ${basePath}`, path: "app.values", message: `kubectl kustomize failed: ${r.stderr.trim().replace(/\s+/g, " ")}`, fix: "fix the base or the values" }]);
    return r.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
