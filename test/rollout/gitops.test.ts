/**
 * Rollouts with GitOps delivery into a real Git repository: one commit per tenant change,
 * and a rollback is one commit that restores the tenant's files exactly (the inverse of
 * its change), which Argo CD syncs. The gates read a real Prometheus; the exporter's
 * health follows the image the committed Deployment names.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GitopsDelivery } from "../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { gitopsSettings } from "../../src/render/gitops/argocd.js";
import { createRelease, runRollout, startRollout } from "../../src/rollout/service.js";
import { rolloutContext } from "../../src/rollout/wiring.js";
import { openStore } from "../../src/store/index.js";
import { rolloutsRepo } from "../../src/store/rollouts-repo.js";
import { tenantDoc } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { finishedStatus, foldersUnder, harness, onboard, platformFromText } from "../workflows/tenant/support/harness.js";
import { ERROR_GATE, type AppState } from "./support/exporter.js";
import { eventLog, platformTextWith, startObservability, waitForSeries, type Observability } from "./support/setup.js";

const exec = promisify(execFile);
const git = async (dir: string, ...args: string[]): Promise<string> => (await exec("git", args, { cwd: dir })).stdout;

let root: string;
let repoDir: string | undefined;
let obs: Observability;

/** The app Deployment each tenant's committed manifests name. */
async function committedApps(): Promise<AppState[]> {
  const fleet = repoDir;
  if (fleet === undefined) return [];
  const out: AppState[] = [];
  for (const tenant of await readdir(join(fleet, "tenants")).catch(() => [] as string[])) {
    const dir = join(fleet, "tenants", tenant, "manifests");
    for (const f of (await readdir(dir).catch(() => [] as string[])).filter((x) => x.startsWith("deployment-"))) {
      const d = parse(await readFile(join(dir, f), "utf8")) as { metadata: { namespace: string; labels: Record<string, string> }; spec: { template: { spec: { containers: { image: string }[] } } } };
      out.push({ namespace: d.metadata.namespace, image: d.spec.template.spec.containers[0]?.image ?? "", tier: d.metadata.labels["landlord.dev/tier"] ?? "" });
    }
  }
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "landlord-rollout-gitops-"));
  repoDir = join(root, "fleet");
  obs = await startObservability(committedApps);
});

afterAll(async () => {
  await obs.stop();
  await rm(root, { recursive: true, force: true });
});

describe("rollouts with GitOps delivery", () => {
  it("commit per tenant change; a failed gate rolls the canary back with one commit that restores its files exactly", async () => {
    const base = platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" });
    const platform = platformFromText(platformTextWith({ prometheusUrl: obs.prometheus.url, bakeSeconds: 4, intervalSeconds: 1, gates: [ERROR_GATE] }, base));
    const store = await openStore({ baseDir: root });
    try {
      const fleetDir = join(root, "fleet");
      const repo = await GitopsRepo.open({ dir: fleetDir });
      const delivery = new GitopsDelivery(repo, gitopsSettings(platform.config));
      const h = harness({ store, platform, folders: foldersUnder(root), delivery });
      const names = ["gita", "gitb", "gitc", "gitd"];
      for (const [i, n] of names.entries()) expect(finishedStatus((await onboard(h, tenantDoc(n, { spec: i === 0 ? { rollout: { ring: 0 } } : {} }))).result)).toBe("Succeeded");
      await waitForSeries(obs.prometheus.url, names.map((n) => `tenant-${n}`));
      const log = eventLog();
      const ctx = rolloutContext({ store, platform, delivery, onEvent: log.onEvent });

      const head0 = (await git(fleetDir, "rev-parse", "HEAD")).trim();
      await createRelease(store, { version: "2.0.0" }, "tester", new Date());
      const good = await runRollout(ctx, (await startRollout(ctx, "2.0.0", platform.config.rollout, "tester", new Date())).rollout.id);
      expect(good.state, `${good.reason ?? ""}\n${log.lines.join("\n")}`).toBe("Succeeded");
      const subjects = (await git(fleetDir, "log", "--format=%s", `${head0}..HEAD`)).trim().split("\n");
      // One commit per tenant, each touching only that tenant's files.
      expect(subjects).toHaveLength(names.length);
      for (const sha of (await git(fleetDir, "rev-list", `${head0}..HEAD`)).trim().split("\n")) {
        const files = (await git(fleetDir, "show", "--name-only", "--format=", sha)).trim().split("\n");
        const tenants = new Set(files.map((f) => f.split("/")[1]));
        expect(tenants.size).toBe(1);
      }

      obs.exporter.bad = (tag) => tag === "6.6.6";
      await createRelease(store, { version: "6.6.6" }, "tester", new Date());
      const head1 = (await git(fleetDir, "rev-parse", "HEAD")).trim();
      const bad = await runRollout(ctx, (await startRollout(ctx, "6.6.6", platform.config.rollout, "tester", new Date())).rollout.id);
      console.log(`--- wave log: GitOps\n${log.lines.join("\n")}`);
      expect(bad.state).toBe("RolledBack");
      const after = (await git(fleetDir, "rev-list", `${head1}..HEAD`)).trim().split("\n");
      expect(after).toHaveLength(2);
      const [revert, change] = after;
      // The rollback commit is the exact inverse of the change: the tree is back where it was.
      expect(await git(fleetDir, "diff", head1, "HEAD")).toBe("");
      expect(await git(fleetDir, "diff", `${change ?? ""}^`, change ?? "", "--stat")).not.toBe("");
      const filesOf = async (sha: string | undefined) => (await git(fleetDir, "show", "--name-only", "--format=", sha ?? "")).trim().split("\n").sort();
      expect(await filesOf(revert)).toEqual(await filesOf(change));
      expect(await git(fleetDir, "log", "-1", "--format=%s", revert ?? "")).toMatch(/gita/);
      const targets = await rolloutsRepo(store.db).targets(bad.id);
      expect(targets.filter((t) => t.state === "rolled-back").map((t) => t.tenant)).toEqual(["gita"]);
    } finally {
      obs.exporter.bad = () => false;
      await store.close();
    }
  }, 120_000);
});
