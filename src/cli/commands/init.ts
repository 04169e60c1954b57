import { access, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { PLATFORM_TEMPLATE, TENANT_TEMPLATE } from "../../init/templates.js";
import type { CliIo } from "../io.js";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function initCommand(io: CliIo, opts: { dir: string; force: boolean }): Promise<void> {
  const dir = resolve(io.cwd, opts.dir);
  const files = [
    { path: join(dir, "landlord.yaml"), text: PLATFORM_TEMPLATE },
    { path: join(dir, "tenants", "acme.yaml"), text: TENANT_TEMPLATE },
  ];
  if (!opts.force) {
    const taken = [];
    for (const f of files) if (await exists(f.path)) taken.push(f.path);
    if (taken.length > 0) {
      throw new InputError(
        taken.map((file) => ({ file, path: "", message: "file exists, nothing was written", fix: "pass --force to overwrite, or choose another --dir" })),
      );
    }
  }
  await mkdir(join(dir, "tenants"), { recursive: true });
  for (const f of files) await writeFile(f.path, f.text);
  io.stdout(
    `wrote ${files.map((f) => f.path).join(" and ")}\nnext: landlord validate${opts.dir === "." ? "" : ` --config ${join(opts.dir, "landlord.yaml")}`}\n`,
  );
}
