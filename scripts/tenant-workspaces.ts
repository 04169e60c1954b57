// Writes the Terraform workspace `landlord onboard` would write for one tenant of each tier of
// the `landlord init` platform, for scripts/terraform-validate.sh. Usage: node dist/scripts/tenant-workspaces.js OUT MODULE_DIR
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { loadPlatform } from "../src/spec/fleet.js";
import { resolveTenant } from "../src/spec/resolve.js";
import { renderBundle } from "../src/render/bundle.js";
import { tenantWorkspace } from "../src/render/terraform/workspace.js";
import { incarnationId } from "../src/spec/cloud-names.js";

const [out, moduleDir] = process.argv.slice(2);
if (!out || !moduleDir) throw new Error("usage: node dist/scripts/tenant-workspaces.js OUT MODULE_DIR");
const ctx = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE) });
for (const tier of ["small", "medium", "large"]) {
  const name = `ws-${tier}`;
  const spec = { apiVersion: "landlord.dev/v1alpha1", kind: "Tenant", metadata: { name }, spec: { displayName: name, tier, domains: [`${name}.apps.example.com`], contacts: { email: `ops@${name}.example.com` } } };
  const r = resolveTenant(ctx, { file: `${name}.yaml`, index: 0, value: spec }, { incarnation: incarnationId("k3x9q2m7aa") });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const dir = join(out, name);
  await mkdir(dir, { recursive: true });
  const files = tenantWorkspace(ctx.config, renderBundle(ctx.config, r.value).terraform.variables, relative(dir, moduleDir), incarnationId("k3x9q2m7aa"));
  for (const f of files) await writeFile(join(dir, f.name), f.text);
}
