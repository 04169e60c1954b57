/** Directory delivery: rendered files only, one folder per tenant. */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Bundle } from "../../render/bundle.js";
import type { KubeObject } from "../../render/object.js";
import { toJson, toYamlStream } from "../../render/serialize.js";
import type { ApplyResult, Delivery, ReadyResult } from "../delivery.js";
import { objectsByName } from "../delivered.js";

async function writeIfChanged(path: string, text: string): Promise<boolean> {
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === text) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return true;
}

export class DirectoryDelivery implements Delivery {
  readonly kind = "directory" as const;
  readonly usesCluster = false;
  constructor(private readonly root: string) {}

  async apply(bundle: Bundle, tenantSpecYaml: string): Promise<ApplyResult> {
    const dir = join(this.root, bundle.tenant);
    await mkdir(dir, { recursive: true });
    // A run killed between write and rename leaves a temporary file behind.
    for (const name of await readdir(dir)) if (/\.tmp-\d+$/.test(name)) await rm(join(dir, name), { force: true });
    const files: [string, string][] = [
      ["tenant.yaml", tenantSpecYaml],
      ["kubernetes.yaml", toYamlStream(bundle.objects)],
      ["terraform.tfvars.json", toJson(bundle.terraform.variables)],
    ];
    let changed = false;
    for (const [name, text] of files) changed = (await writeIfChanged(join(dir, name), text)) || changed;
    return { target: dir, changed, detail: changed ? `wrote ${files.length} files to ${dir}` : `${dir} already up to date` };
  }

  async applyExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<ApplyResult> {
    const dir = join(this.root, tenant);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${reason}.yaml`);
    const changed = await writeIfChanged(path, toYamlStream(objects));
    return { target: path, changed, detail: `wrote ${path}` };
  }

  async remove(tenant: string): Promise<ApplyResult> {
    const dir = join(this.root, tenant);
    await rm(dir, { recursive: true, force: true });
    return { target: dir, changed: true, detail: `removed ${dir}` };
  }

  async delivered(tenant: string): Promise<Map<string, string> | undefined> {
    const text = await readFile(join(this.root, tenant, "kubernetes.yaml"), "utf8").catch(() => undefined);
    return text === undefined ? undefined : objectsByName(text);
  }

  waitReady(): Promise<ReadyResult> {
    return Promise.resolve({ ready: false, skipped: "directory delivery: files only, no cluster to wait for" });
  }
}
