/** The fleet repository fixtures the GitOps tests share: one platform with GitOps on, a tenant, and putting it into a repo. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GitopsRepo } from "../../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../../src/render/bundle.js";
import { gitopsSettings } from "../../../src/render/gitops/argocd.js";
import { toYaml } from "../../../src/render/serialize.js";
import type { ResolvedTenant } from "../../../src/spec/resolve.js";
import { waveOf } from "../../../src/spec/waves.js";
import { fleet, platform, tenantFile, type TenantOptions } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";

const exec = promisify(execFile);
export const git = async (dir: string, ...args: string[]): Promise<string> => (await exec("git", args, { cwd: dir })).stdout;

export const ctx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));
export const settings = gitopsSettings(ctx.config);

export function tenant(name: string, o: TenantOptions = {}): ResolvedTenant {
  const [t] = fleet(ctx, [tenantFile(name, o)]);
  if (!t) throw new Error("no tenant");
  return t;
}

export async function put(repo: GitopsRepo, t: ResolvedTenant) {
  return repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(t.tenant.metadata.name, t.tenant.metadata.labels), settings);
}
