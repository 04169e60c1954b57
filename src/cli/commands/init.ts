import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError, ProgrammingError } from "../../errors.js";
import { AZURE_PIPELINE_PATH, azurePipeline } from "../../init/ci-azure.js";
import { GITHUB_WORKFLOW_PATH, githubWorkflow } from "../../init/ci-github.js";
import { PLATFORM_TEMPLATE, TENANT_TEMPLATE } from "../../init/templates.js";
import type { CliIo } from "../io.js";

/** The CI systems `init --ci` writes a pipeline for, and where. */
const CI_SYSTEMS = {
  github: { path: GITHUB_WORKFLOW_PATH, text: githubWorkflow },
  azure: { path: AZURE_PIPELINE_PATH, text: azurePipeline },
} as const;
type CiSystem = keyof typeof CI_SYSTEMS;

export interface InitOptions {
  readonly dir: string;
  readonly force: boolean;
  /** As given: repeatable, each possibly a comma list. */
  readonly ci?: readonly string[];
  /** The CLI's own version (package.json): the pipelines install exactly this one. */
  readonly version: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function ciSystems(given: readonly string[] | undefined): CiSystem[] {
  const names = (given ?? []).flatMap((v) => v.split(",")).map((v) => v.trim().toLowerCase()).filter((v) => v !== "");
  const unknown = names.filter((n) => !(n in CI_SYSTEMS));
  if (unknown.length > 0) {
    throw new InputError(
      unknown.map((n) => ({ file: "(command line)", path: "--ci", message: `'${n}' is not a CI system init knows`, fix: `use ${Object.keys(CI_SYSTEMS).join(" or ")}, e.g. landlord init --ci github,azure` })),
    );
  }
  return [...new Set(names)] as CiSystem[];
}

export async function initCommand(io: CliIo, opts: InitOptions): Promise<void> {
  const dir = resolve(io.cwd, opts.dir);
  const systems = ciSystems(opts.ci);
  if (systems.length > 0 && !/^\d+\.\d+\.\d+/.test(opts.version)) {
    throw new ProgrammingError(`the CLI's version is '${opts.version}', so the pipelines could not pin it: run landlord from its installed package (npx landlord --version names it)`);
  }
  // Adding CI to a project leaves the project alone: its landlord.yaml is the user's by now.
  const project = systems.length > 0 && (await exists(join(dir, "landlord.yaml")));
  const files = [
    ...(project
      ? []
      : [
          { path: join(dir, "landlord.yaml"), text: PLATFORM_TEMPLATE, fix: "pass --force to overwrite, or choose another --dir" },
          { path: join(dir, "tenants", "acme.yaml"), text: TENANT_TEMPLATE, fix: "pass --force to overwrite, or choose another --dir" },
        ]),
    ...systems.map((s) => ({
      path: join(dir, CI_SYSTEMS[s].path),
      text: CI_SYSTEMS[s].text(opts.version),
      fix: `run landlord init --ci ${s} --force${opts.dir === "." ? "" : ` --dir ${opts.dir}`} to overwrite it with this CLI's pipeline (in a project, only the pipeline files are rewritten), or edit it by hand`,
    })),
  ];
  if (!opts.force) {
    const taken = [];
    for (const f of files) if (await exists(f.path)) taken.push(f);
    if (taken.length > 0) {
      throw new InputError(taken.map((f) => ({ file: f.path, path: "", message: "file exists, nothing was written", fix: f.fix })));
    }
  }
  for (const f of files) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.text);
  }
  const next = [`landlord validate${opts.dir === "." ? "" : ` --config ${join(opts.dir, "landlord.yaml")}`}`];
  if (systems.length > 0) {
    next.push(`set the variables and federated credentials listed at the top of ${systems.map((s) => join(opts.dir, CI_SYSTEMS[s].path)).join(" and ")}, then commit ${systems.length === 1 ? "it" : "them"}`);
  }
  io.stdout(`wrote ${files.map((f) => f.path).join(" and ")}${project ? ` (the project's landlord.yaml was left as it is)` : ""}\nnext: ${next.join("\n      ")}\n`);
}
