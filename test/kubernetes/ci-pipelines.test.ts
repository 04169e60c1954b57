/**
 * The two pipelines `landlord init --ci github,azure` writes, run step by step against the
 * shared test control plane: the steps are read from the generated YAML (so a change of a
 * template is what gets tested), each script runs in bash as the CI system would run it, with
 * the environment it would provide (event, tag, step outputs, logging commands), and with
 * `landlord` on PATH being this checkout's CLI. A pull request runs validate, audit and diff
 * with their gates; a tag runs release create, rollout start --detach and the follow step,
 * which must end with the rollout Succeeded and every tenant's Deployment on the new image.
 * Steps that only exist in CI (they reach Azure, GitHub or a registry) are skipped by name.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { AZURE_PIPELINE_PATH } from "../../src/init/ci-azure.js";
import { GITHUB_WORKFLOW_PATH } from "../../src/init/ci-github.js";
import { tenantDoc } from "../support/fixtures.js";
import { admin, kubeconfigWith, livePlatformText, uniqueName } from "./support/live.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const STEP_MS = 180_000;

/**
 * The steps that are not run here, each with the reason. They sign in to Azure, install from a
 * registry or call GitHub's API, none of which this machine reaches; what they would provide
 * is provided instead (KUBECONFIG for the cluster credentials, the SQLite store for the token).
 */
const CI_ONLY: Readonly<Record<string, string>> = {
  "Check out the repository": "the workspace is the folder init wrote",
  checkout: "the workspace is the folder init wrote",
  "Set up Node.js": "the Node.js running this test runs the steps",
  "Install the Landlord CLI": "`landlord` on PATH is this checkout's CLI; no registry is reachable",
  "Sign in to Azure": "Entra ID is not reachable; nothing here asks Azure for anything",
  "Get the cluster credentials": "az aks get-credentials and kubelogin need Azure; KUBECONFIG names the test control plane instead",
  "Sign in to the store": "its Entra ID token is for Azure Database for PostgreSQL; the test store is the SQLite file beside landlord.yaml",
  "Comment the diff on the pull request": "GitHub's API is not reachable; the comment's text (landlord-diff.md) is checked instead",
};

interface StepResult {
  readonly name: string;
  readonly skipped: boolean;
  readonly code: number;
  readonly output: string;
}

let root: string;
let workspace: string;
let bin: string;
let kubeconfig: string;
const names = [uniqueName("cip"), uniqueName("cip")];
const { apps } = admin();

async function landlordInProcess(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: workspace, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(["--kubeconfig", kubeconfig, ...argv], io), stdout, stderr };
}

async function writeTenant(name: string, overrides?: Record<string, unknown>): Promise<void> {
  await writeFile(join(workspace, "tenants", `${name}.yaml`), stringify(tenantDoc(name, overrides ? { overrides } : {})));
}

/** The environment every step starts from: the CLI on PATH, the test cluster, nothing of this process's own. */
function baseEnv(): Record<string, string> {
  return { PATH: `${bin}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: join(root, "home"), TMPDIR: tmpdir(), KUBECONFIG: kubeconfig, CI: "true", LANG: "C.UTF-8" };
}

/** Runs one step's script as the CI system does: written to a file, run by bash in the workspace. */
function runScript(shell: readonly string[], script: string, env: Record<string, string>): Promise<{ code: number; output: string; stdout: string }> {
  return new Promise((resolveRun, reject) => {
    const file = join(root, `step-${String(Date.now())}-${String(Math.random()).slice(2, 8)}.sh`);
    void writeFile(file, script).then(() => {
      const child = spawn("bash", [...shell, file], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      let stdout = "";
      child.stdout.on("data", (b: Buffer) => {
        output += b.toString();
        stdout += b.toString();
      });
      child.stderr.on("data", (b: Buffer) => (output += b.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), STEP_MS);
      child.once("error", reject);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        resolveRun({ code: code ?? (signal ? 128 : 1), output, stdout });
      });
    }, reject);
  });
}

/** The pipeline's own storage of the store's address is PostgreSQL, which the test machine has not: the test store is SQLite. */
function withTestStore(env: Record<string, string>): Record<string, string> {
  const rest = { ...env };
  delete rest.DATABASE_URL;
  return rest;
}

// ---- GitHub Actions ------------------------------------------------------------------------

interface GithubStep {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}
interface GithubJob {
  if: string;
  env?: Record<string, string>;
  steps: GithubStep[];
}
interface GithubWorkflow {
  env: Record<string, string>;
  jobs: Record<string, GithubJob>;
}

/**
 * The expressions the workflow uses: context paths, 'literals', ==, && and startsWith(). One
 * it does not know fails the test, so a template that grows a new kind is noticed here.
 */
function githubExpression(expr: string, ctx: Record<string, string>): string | boolean {
  const e = expr.trim();
  if (e.includes(" && ")) return e.split(" && ").every((p) => githubExpression(p, ctx) === true);
  if (e.includes(" == ")) {
    const [a = "", b = ""] = e.split(" == ");
    return String(githubExpression(a, ctx)) === String(githubExpression(b, ctx));
  }
  const call = /^startsWith\(([^,]+),\s*([^)]+)\)$/.exec(e);
  if (call) return String(githubExpression(call[1] ?? "", ctx)).startsWith(String(githubExpression(call[2] ?? "", ctx)));
  const literal = /^'([^']*)'$/.exec(e);
  if (literal) return literal[1] ?? "";
  if (/^[\w.-]+$/.test(e)) {
    const value = ctx[e];
    if (value === undefined) throw new Error(`the workflow reads \${{ ${e} }}, which this test does not provide: add it to the context`);
    return value;
  }
  throw new Error(`the workflow has the expression '${e}', which this test's reader does not know: extend githubExpression`);
}

function githubText(value: string, ctx: Record<string, string>): string {
  return value.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(githubExpression(e, ctx)));
}

function githubEnv(env: Record<string, string> | undefined, ctx: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, githubText(v, ctx)]));
}

/** `NAME=value` lines of $GITHUB_OUTPUT and $GITHUB_ENV (the workflow writes no multi-line values). */
function keyValues(text: string): Record<string, string> {
  return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

async function runGithubJob(job: string, event: Record<string, string>, only?: string): Promise<{ steps: StepResult[]; summary: string }> {
  const doc = parse(await readFile(join(workspace, GITHUB_WORKFLOW_PATH), "utf8")) as GithubWorkflow;
  const spec = doc.jobs[job];
  if (!spec) throw new Error(`the workflow has no job ${job}`);
  const files = await mkdtemp(join(root, `gh-${job}-`));
  const summaryFile = join(files, "summary.md");
  await writeFile(summaryFile, "");
  const ctx: Record<string, string> = {
    "github.actor": "octocat",
    "github.token": "not-a-token",
    "vars.AKS_CLUSTERS": "rg-landlord-platform/aks-weu-1",
    "vars.LANDLORD_DATABASE_URL": "",
    ...event,
  };
  if (githubExpression(spec.if, ctx) !== true) throw new Error(`job ${job} does not run on this event (if: ${spec.if})`);
  const steps: StepResult[] = [];
  let fromEnvFile: Record<string, string> = {};
  for (const step of spec.steps) {
    if (only !== undefined && step.name !== only) continue;
    if (CI_ONLY[step.name] !== undefined) {
      steps.push({ name: step.name, skipped: true, code: 0, output: "" });
      continue;
    }
    if (step.run === undefined) throw new Error(`step '${step.name}' uses ${step.uses ?? "?"}: name it in CI_ONLY with the reason it cannot run here, or make it a run step`);
    const outputFile = join(files, `output-${String(steps.length)}`);
    const envFile = join(files, `env-${String(steps.length)}`);
    await writeFile(outputFile, "");
    await writeFile(envFile, "");
    const env = withTestStore({
      ...baseEnv(),
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: ctx["github.event_name"] ?? "",
      GITHUB_REF: ctx["github.ref"] ?? "",
      GITHUB_REF_NAME: ctx["github.ref_name"] ?? "",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_ENV: envFile,
      GITHUB_PATH: join(files, "path"),
      GITHUB_STEP_SUMMARY: summaryFile,
      ...githubEnv(doc.env, ctx),
      ...githubEnv(spec.env, ctx),
      ...fromEnvFile,
      ...githubEnv(step.env, ctx),
    });
    // GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}.
    const r = await runScript(["--noprofile", "--norc", "-eo", "pipefail"], githubText(step.run, ctx), env);
    steps.push({ name: step.name, skipped: false, code: r.code, output: r.output });
    if (step.id !== undefined) for (const [k, v] of Object.entries(keyValues(await readFile(outputFile, "utf8")))) ctx[`steps.${step.id}.outputs.${k}`] = v;
    fromEnvFile = { ...fromEnvFile, ...keyValues(await readFile(envFile, "utf8")) };
    // A failing step fails the job: the steps after it do not run.
    if (r.code !== 0) break;
  }
  return { steps, summary: await readFile(summaryFile, "utf8") };
}

// ---- Azure Pipelines -----------------------------------------------------------------------

interface AzureStep {
  checkout?: string;
  script?: string;
  task?: string;
  displayName?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}
interface AzureJob {
  steps?: AzureStep[];
  strategy?: { runOnce: { deploy: { steps: AzureStep[] } } };
}
interface AzurePipeline {
  variables: Record<string, string>;
  stages: { stage: string; condition: string; jobs: AzureJob[] }[];
}

/** $(name) macros: replaced when the variable exists, left as written otherwise (as Azure does). */
function macros(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\(([A-Za-z0-9_.]+)\)/g, (whole, name: string) => vars[name] ?? whole);
}

/** The stage conditions the pipeline uses: eq() and startsWith() of variables['X'] and 'literals'. */
function azureCondition(expr: string, vars: Record<string, string>): boolean {
  const call = /^(eq|startsWith)\(variables\['([\w.]+)'\],\s*'([^']*)'\)$/.exec(expr.trim());
  if (!call) throw new Error(`the pipeline has the condition '${expr}', which this test's reader does not know: extend azureCondition`);
  const value = vars[call[2] ?? ""];
  if (value === undefined) throw new Error(`the pipeline reads variables['${call[2] ?? ""}'], which this test does not provide`);
  return call[1] === "eq" ? value.toLowerCase() === (call[3] ?? "").toLowerCase() : value.toLowerCase().startsWith((call[3] ?? "").toLowerCase());
}

/** Variables reach scripts as environment variables, upper-cased with dots as underscores. */
function asEnv(vars: Record<string, string>, secret: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !secret.has(k)).map(([k, v]) => [k.toUpperCase().replaceAll(".", "_"), macros(v, vars)]));
}

async function runAzureStage(stage: string, predefined: Record<string, string>, only?: string): Promise<{ steps: StepResult[]; summaries: string[] }> {
  const doc = parse(await readFile(join(workspace, AZURE_PIPELINE_PATH), "utf8"), { schema: "failsafe" }) as AzurePipeline;
  const spec = doc.stages.find((s) => s.stage === stage);
  if (!spec) throw new Error(`the pipeline has no stage ${stage}`);
  const vars: Record<string, string> = { ...doc.variables, "Build.RequestedFor": "Mona Lisa", "Build.SourceVersion": "0123456789abcdef0123456789abcdef01234567", ...predefined };
  if (!azureCondition(spec.condition, vars)) throw new Error(`stage ${stage} does not run here (condition: ${spec.condition})`);
  const job = spec.jobs[0];
  const list = job?.steps ?? job?.strategy?.runOnce.deploy.steps ?? [];
  const secret = new Set<string>();
  const steps: StepResult[] = [];
  const summaries: string[] = [];
  for (const step of list) {
    const name = step.displayName ?? (step.checkout !== undefined ? "checkout" : step.task ?? "?");
    if (only !== undefined && name !== only) continue;
    if (CI_ONLY[name] !== undefined) {
      steps.push({ name, skipped: true, code: 0, output: "" });
      continue;
    }
    const script = step.script ?? (step.task === "AzureCLI@2" && step.inputs?.scriptType === "bash" ? step.inputs.inlineScript : undefined);
    if (script === undefined) throw new Error(`step '${name}' is ${step.task ?? "?"}: name it in CI_ONLY with the reason it cannot run here, or make it a bash script`);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, macros(v, vars)]));
    const env = withTestStore({ ...baseEnv(), TF_BUILD: "True", ...asEnv(vars, secret), ...stepEnv });
    // AzureCLI@2 and script run the file with bash (no -e: the scripts set their own options).
    const r = await runScript(["--noprofile", "--norc"], macros(script, vars), env);
    steps.push({ name, skipped: false, code: r.code, output: r.output });
    for (const line of r.stdout.split("\n")) {
      const set = /^##vso\[task\.setvariable variable=([^;\]]+)((?:;[^\]]*)?)\](.*)$/.exec(line);
      if (set) {
        vars[set[1] ?? ""] = set[3] ?? "";
        if (/issecret=true/i.test(set[2] ?? "")) secret.add(set[1] ?? "");
      }
      const summary = /^##vso\[task\.uploadsummary\](.*)$/.exec(line);
      if (summary) summaries.push(await readFile(summary[1] ?? "", "utf8"));
    }
    if (r.code !== 0) break;
  }
  return { steps, summaries };
}

// ---- the runs --------------------------------------------------------------------------------

function ran(steps: readonly StepResult[]): string[] {
  return steps.filter((s) => !s.skipped).map((s) => s.name);
}

function failed(steps: readonly StepResult[]): string {
  return steps.filter((s) => s.code !== 0).map((s) => `--- ${s.name} (exit ${String(s.code)})\n${s.output}`).join("\n");
}

/** Image tag of each tenant's app Deployment. */
async function imageTags(): Promise<string[]> {
  const tags: string[] = [];
  for (const n of names) {
    const d = await apps.readNamespacedDeployment({ name: "app", namespace: `tenant-${n}` });
    const image = d.spec?.template.spec?.containers[0]?.image ?? "";
    tags.push(image.slice(image.lastIndexOf(":") + 1));
  }
  return tags;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "landlord-ci-pipelines-"));
  workspace = join(root, "repo");
  bin = join(root, "bin");
  await mkdir(workspace);
  await mkdir(bin);
  await mkdir(join(root, "home"));
  // `landlord` on PATH: this checkout's CLI from its sources, as `npm install --global` would put the package's bin there.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  await writeFile(join(bin, "landlord"), `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${join(REPO, "src/cli/main.ts")}' "$@"\n`);
  await chmod(join(bin, "landlord"), 0o755);
  // The project as a user has it: init with both pipelines, then a platform that delivers to the test cluster.
  expect((await run(["init", "--dir", workspace, "--ci", "github,azure"], { stdout: () => undefined, stderr: () => undefined, cwd: workspace, env: {} }))).toBe(0);
  await writeFile(join(workspace, "landlord.yaml"), `${livePlatformText()}\n${stringify({ rollout: { bakeSeconds: 0, intervalSeconds: 1, tenantTimeoutSeconds: 120 } })}`);
  await rm(join(workspace, "tenants", "acme.yaml"));
  kubeconfig = await kubeconfigWith(root, []);
  for (const n of names) await writeTenant(n);
  // The fleet exists before the first pull request: onboarded from main.
  const applied = await landlordInProcess("--new-store", "apply");
  expect(applied.code, applied.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  for (const f of ["landlord-diff.md", "landlord-diff.txt", "landlord-diff.log"]) await rm(join(workspace, f), { force: true });
});

describe("the generated pipelines, run against the test control plane", () => {
  it("Azure, pull request with nothing to deliver: validate and audit pass, diff exits 0, the summary says so", async () => {
    const { steps, summaries } = await runAzureStage("check", { "Build.Reason": "PullRequest", "Build.SourceBranch": "refs/pull/7/merge" });
    expect(failed(steps)).toBe("");
    expect(ran(steps)).toEqual(["Check the Landlord CLI version", "landlord validate", "landlord audit", "landlord diff"]);
    expect(steps.filter((s) => s.skipped).map((s) => s.name)).toEqual(["checkout", "Set up Node.js", "Install the Landlord CLI", "Get the cluster credentials", "Sign in to the store"]);
    expect(steps.find((s) => s.name === "landlord audit")?.output).toMatch(/audit passed: 2 tenant\(s\)/);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(/^### landlord diff\n\nNothing to deliver\.\n/);
  });

  it("GitHub, pull request changing a tenant: diff exits 1 and passes, the summary and the comment hold the diff", async () => {
    await writeTenant(names[0] ?? "", { app: { env: { LOG_LEVEL: "debug" } } });
    const { steps, summary } = await runGithubJob("check", { "github.event_name": "pull_request", "github.ref": "refs/pull/7/merge", "github.ref_name": "7/merge", "github.event.pull_request.number": "7" });
    expect(failed(steps)).toBe("");
    expect(ran(steps)).toEqual(["Check the Landlord CLI version", "landlord validate", "landlord audit", "landlord diff"]);
    expect(steps.filter((s) => s.skipped).map((s) => s.name)).toEqual(["Check out the repository", "Set up Node.js", "Install the Landlord CLI", "Sign in to Azure", "Get the cluster credentials", "Sign in to the store", "Comment the diff on the pull request"]);
    expect(steps.find((s) => s.name === "landlord diff")?.output).toMatch(new RegExp(`${names[0] ?? ""}: [1-9]\\d* objects? differs?`));
    const comment = await readFile(join(workspace, "landlord-diff.md"), "utf8");
    expect(comment).toMatch(/^<!-- landlord-diff -->\n### landlord diff\n\nDelivering this pull request would change:\n/);
    expect(comment).toMatch(/```diff\n[\s\S]*\n\+.*debug[\s\S]*```/);
    expect(summary).toBe(comment);
  });

  it("the gates: an invalid tenant fails validate and stops the job; diff's error exit (2) fails its step", async () => {
    const file = join(workspace, "tenants", `${names[1] ?? ""}.yaml`);
    const good = await readFile(file, "utf8");
    try {
      await writeFile(file, good.replace("tier: small", "tier: gold"));
      const event = { "github.event_name": "pull_request", "github.ref": "refs/pull/8/merge", "github.ref_name": "8/merge", "github.event.pull_request.number": "8" };
      const { steps } = await runGithubJob("check", event);
      expect(ran(steps)).toEqual(["Check the Landlord CLI version", "landlord validate"]);
      expect(steps.at(-1)?.code).toBe(2);
      expect(steps.at(-1)?.output).toMatch(/spec\.tier/);
      const diff = await runGithubJob("check", event, "landlord diff");
      expect(diff.steps.map((s) => [s.name, s.code])).toEqual([["landlord diff", 2]]);
    } finally {
      await writeFile(file, good);
    }
  });

  it("GitHub, tag v2.0.0: release create, rollout start --detach, the followed rollout Succeeded on every tenant", async () => {
    const event = { "github.event_name": "push", "github.ref": "refs/tags/v2.0.0", "github.ref_name": "v2.0.0" };
    const { steps } = await runGithubJob("release", event);
    expect(failed(steps)).toBe("");
    expect(ran(steps)).toEqual(["Check the Landlord CLI version", "landlord release create", "landlord rollout start --detach", "landlord rollout status -w"]);
    expect(steps.find((s) => s.name === "landlord rollout start --detach")?.output).toMatch(/queued for the leader of `landlord serve`/);
    const follow = steps.find((s) => s.name === "landlord rollout status -w")?.output ?? "";
    console.log(`--- GitHub release job, rollout status -w\n${follow}`);
    expect(follow).toMatch(/rollout ro-\S+ of 2\.0\.0: Succeeded/);
    expect(follow).toMatch(/^rollout ro-\S+: Succeeded$/m);
    expect(await imageTags()).toEqual(["2.0.0", "2.0.0"]);
    // A re-run finds the release recorded and goes on.
    const again = await runGithubJob("release", event, "landlord release create");
    expect(again.steps.map((s) => [s.name, s.code])).toEqual([["landlord release create", 0]]);
    expect(again.steps[0]?.output).toContain("release 2.0.0 is already recorded");
  });

  it("Azure, tag v2.1.0: the same steps, the rollout id handed on by a logging command, Succeeded", async () => {
    const { steps } = await runAzureStage("release", { "Build.Reason": "IndividualCI", "Build.SourceBranch": "refs/tags/v2.1.0" });
    expect(failed(steps)).toBe("");
    expect(ran(steps)).toEqual(["Check the Landlord CLI version", "landlord release create", "landlord rollout start --detach", "landlord rollout status -w"]);
    const follow = steps.find((s) => s.name === "landlord rollout status -w")?.output ?? "";
    console.log(`--- Azure release stage, rollout status -w\n${follow}`);
    expect(follow).toMatch(/^rollout ro-\S+: Succeeded$/m);
    expect(await imageTags()).toEqual(["2.1.0", "2.1.0"]);
  });
});
