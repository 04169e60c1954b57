/**
 * `landlord init --ci github|azure`: the files it writes and refuses to overwrite, and the
 * GitHub workflow checked by actionlint (built from its Go module by tools/actionlint/build.sh),
 * also shown failing on a broken copy. The Azure definition is not checked against Microsoft's
 * schema here (see below); its steps run in test/kubernetes/ci-pipelines.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { runLandlord } from "../support/cli.js";
import { AZURE_PIPELINE_PATH } from "../../src/init/ci-azure.js";
import { GITHUB_WORKFLOW_PATH, PINNED_ACTIONS } from "../../src/init/ci-github.js";

const exec = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const VERSION = (JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string }).version;
/** A first build of actionlint takes about half a minute on 2 cores; a cold Go cache on a busy machine more. */
const TOOL_MS = 15 * 60_000;

const landlord = (cwd: string, ...argv: string[]) => runLandlord(cwd, argv);

/** Runs one of the tool scripts and returns the path it prints; a script that fails fails the test with its own words. */
async function tool(script: string): Promise<string> {
  try {
    const { stdout } = await exec("bash", [join(REPO, script)], { timeout: TOOL_MS, maxBuffer: 16 << 20 });
    return stdout.trim().split("\n").at(-1) ?? "";
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`bash ${script} failed, so the pipeline cannot be checked: ${(e.stderr ?? "").trim() || e.message}`);
  }
}

async function actionlint(bin: string, file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(bin, ["-no-color", file], { timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** Every `uses:` of a workflow that is not a full commit SHA of 40 hex digits followed by its tag. */
function unpinned(text: string): string[] {
  const doc = parse(text) as { jobs: Record<string, { steps?: { uses?: string }[] }> };
  const uses = Object.values(doc.jobs).flatMap((j) => (j.steps ?? []).flatMap((s) => (s.uses === undefined ? [] : [s.uses])));
  const lines = text.split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
  return [
    ...uses.filter((u) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u)),
    ...lines.filter((l) => !/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(l)).map((l) => `${l.trim()} (no "# vX.Y.Z" comment)`),
  ];
}

describe("landlord init --ci", () => {
  test("--ci github with a fresh init writes the project and the workflow, pinned to this CLI's version", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    const r = await landlord(dir, "init", "--ci", "github");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(GITHUB_WORKFLOW_PATH);
    expect(r.stdout).toMatch(/next: landlord validate\n\s+set the variables and federated credentials listed at the top of \.github\/workflows\/landlord\.yaml/);
    const workflow = await readFile(join(dir, GITHUB_WORKFLOW_PATH), "utf8");
    expect(workflow).toContain(`LANDLORD_VERSION: "${VERSION}"`);
    expect(workflow).not.toMatch(/\$\{\{\s*secrets\./);
    await expect(readFile(join(dir, "landlord.yaml"), "utf8")).resolves.toContain("kind: PlatformConfig");
    await expect(readFile(join(dir, "tenants", "acme.yaml"), "utf8")).resolves.toContain("kind: Tenant");
  });

  test("--ci azure in an existing project writes only the pipeline; its landlord.yaml stays as it is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    expect((await landlord(dir, "init")).code).toBe(0);
    const edited = `${await readFile(join(dir, "landlord.yaml"), "utf8")}# edited by hand\n`;
    await writeFile(join(dir, "landlord.yaml"), edited);
    const r = await landlord(dir, "init", "--ci", "azure");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote \S+azure-pipelines\.yml \(the project's landlord\.yaml was left as it is\)/);
    expect(await readFile(join(dir, "landlord.yaml"), "utf8")).toBe(edited);
    expect(await readFile(join(dir, AZURE_PIPELINE_PATH), "utf8")).toContain(`LANDLORD_VERSION: "${VERSION}"`);
    // Both at once, comma-separated or repeated: the same files.
    const other = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    expect((await landlord(other, "init", "--ci", "github,azure")).code).toBe(0);
    const again = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    expect((await landlord(again, "init", "--ci", "github", "--ci", "azure")).code).toBe(0);
    for (const f of [GITHUB_WORKFLOW_PATH, AZURE_PIPELINE_PATH]) expect(await readFile(join(again, f), "utf8")).toBe(await readFile(join(other, f), "utf8"));
  });

  test("refuses to overwrite a pipeline without --force, naming the file and the command that does; --force rewrites only the pipeline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    expect((await landlord(dir, "init", "--ci", "github,azure")).code).toBe(0);
    for (const [system, path] of [["github", GITHUB_WORKFLOW_PATH], ["azure", AZURE_PIPELINE_PATH]] as const) {
      await writeFile(join(dir, path), "# changed by hand\n");
      const r = await landlord(dir, "init", "--ci", system);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${join(dir, path)}: file exists, nothing was written (fix: run landlord init --ci ${system} --force to overwrite it`);
      expect(await readFile(join(dir, path), "utf8")).toBe("# changed by hand\n");
      const landlordYaml = await readFile(join(dir, "landlord.yaml"), "utf8");
      expect((await landlord(dir, "init", "--ci", system, "--force")).code).toBe(0);
      expect(await readFile(join(dir, path), "utf8")).toContain(`LANDLORD_VERSION: "${VERSION}"`);
      expect(await readFile(join(dir, "landlord.yaml"), "utf8")).toBe(landlordYaml);
    }
  });

  test("an unknown CI system is refused by name", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-ci-"));
    const r = await landlord(dir, "init", "--ci", "github,gitlab");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--ci: 'gitlab' is not a CI system init knows (fix: use github or azure, e.g. landlord init --ci github,azure)");
  });
});

describe("the GitHub workflow", () => {
  let dir: string;
  let workflow: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-ci-gh-"));
    expect((await landlord(dir, "init", "--ci", "github")).code).toBe(0);
    workflow = await readFile(join(dir, GITHUB_WORKFLOW_PATH), "utf8");
    bin = await tool("tools/actionlint/build.sh");
  }, TOOL_MS);

  test("actionlint reports nothing", async () => {
    const r = await actionlint(bin, join(dir, GITHUB_WORKFLOW_PATH));
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  });

  test("actionlint reports a broken copy: an undefined step's output, a misspelled permission", async () => {
    const broken = join(dir, ".github", "workflows", "broken.yaml");
    await writeFile(broken, workflow.replace("steps.start.outputs.rollout_id", "steps.begin.outputs.rollout_id").replace("pull-requests: write", "pull-request: write"));
    const r = await actionlint(bin, broken);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/property "begin" is not defined in object type/);
    expect(r.output).toMatch(/unknown permission scope "pull-request"/);
  });

  test("every action is pinned to a full commit SHA with its tag, the pins of src/init/ci-github.ts", () => {
    expect(unpinned(workflow)).toEqual([]);
    for (const a of Object.values(PINNED_ACTIONS)) expect(workflow).toContain(`uses: ${a.repo}@${a.commit} # ${a.tag}`);
    // actionlint does not check pinning, so this check is the one that must fail on a tag.
    const loose = workflow.replaceAll(`actions/checkout@${PINNED_ACTIONS.checkout.commit} # ${PINNED_ACTIONS.checkout.tag}`, "actions/checkout@v7");
    expect(unpinned(loose)).toEqual(["actions/checkout@v7", "actions/checkout@v7", "uses: actions/checkout@v7 (no \"# vX.Y.Z\" comment)", "uses: actions/checkout@v7 (no \"# vX.Y.Z\" comment)"]);
  });

  test("permissions are minimal: none by default, pull-requests: write only where the comment is posted", () => {
    const doc = parse(workflow) as { permissions: unknown; jobs: Record<string, { permissions: Record<string, string>; steps: { name: string }[] }> };
    expect(doc.permissions).toEqual({});
    expect(doc.jobs.check?.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(doc.jobs.check?.steps.map((s) => s.name)).toContain("Comment the diff on the pull request");
    expect(doc.jobs.release?.permissions).toEqual({ contents: "read", "id-token": "write" });
  });
});

describe("the Azure Pipelines definition", () => {
  // Microsoft's schema (service-schema.json of azure-pipelines-vscode) is served by no registry
  // this machine reaches, so CI cannot check against it; tools/azure-pipelines-schema/fetch.sh
  // fetches it where the internet is reachable (docs/ci-pipelines.md). The steps themselves run
  // in test/kubernetes/ci-pipelines.test.ts.
  let text: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-ci-az-"));
    await mkdir(dir, { recursive: true });
    expect((await landlord(dir, "init", "--ci", "azure")).code).toBe(0);
    text = await readFile(join(dir, AZURE_PIPELINE_PATH), "utf8");
  }, TOOL_MS);

  test("signs in through service connections only: no secret is written in it", () => {
    const doc = parse(text) as { stages: { jobs: Record<string, unknown>[] }[] };
    const tasks = JSON.stringify(doc).match(/"task":"AzureCLI@2"/g) ?? [];
    expect(tasks.length).toBeGreaterThan(5);
    expect(text.match(/azureSubscription: landlord-(check|release)$/gm)?.length).toBe(tasks.length);
    // The store's password is an Entra ID token made in the run, handed on as a secret variable.
    expect([...new Set(text.match(/^\s*PGPASSWORD: .*$/gm)?.map((l) => l.trim()))]).toEqual(["PGPASSWORD: $(PGPASSWORD)"]);
    expect(text).toContain('token="$(az account get-access-token --resource-type oss-rdbms');
    expect(text).not.toMatch(/client-?secret|password=|:\/\/[^/\s@]*:[^/\s@]*@/i);
  });
});
