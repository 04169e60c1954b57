/**
 * Charts from a Helm repository: `helm pull` into the cache, once per reference and
 * version, then templated like a local chart. The repository is real (index.yaml and the
 * archive made by `helm package` and `helm repo index`), served over HTTP on 127.0.0.1,
 * since the test machine has no internet.
 */
import { createServer, type Server } from "node:http";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../../src/io/package/exec-tool.js";
import { renderTenantBundle } from "../../src/io/package/render-package.js";
import type { HelmTools } from "../../src/io/package/helm.js";
import { chartSource } from "../../src/render/package/application.js";
import { platform } from "../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { CHART, DEFAULT_VALUES, helmTools, must, REPO, tenants } from "./support.js";

let helm: HelmTools;
let work: string;
let server: Server;
let url = "";
let requests: string[] = [];

beforeAll(async () => {
  const base = await helmTools();
  work = await mkdtemp(join(tmpdir(), "landlord-helm-repo-"));
  helm = { bin: base.bin, cacheDir: join(work, "cache") };
  const repo = join(work, "repo");
  expect((await runTool(helm.bin, ["package", CHART, "--destination", repo])).code).toBe(0);
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const file = join(repo, (req.url ?? "/").replace(/^\/+/, ""));
    readFile(file).then(
      (body) => {
        res.writeHead(200).end(body);
      },
      () => {
        res.writeHead(404).end();
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  expect((await runTool(helm.bin, ["repo", "index", repo, "--url", url])).code).toBe(0);
}, 30 * 60_000);

afterAll(async () => {
  await new Promise<void>((ok) => {
    server.close(() => {
      ok();
    });
  });
  await rm(work, { recursive: true, force: true });
});

const repoPlatform = (repository: string, version = "0.3.0") =>
  platform(
    PLATFORM_TEMPLATE.replace(/\n {2}app:\n/, `\n  app:${DEFAULT_VALUES}`) +
      `
app:
  package:
    helm: { chart: example-shop, repository: "${repository}", version: ${version} }
    expose: { service: web, port: http }
`,
  );

describe("a chart from a Helm repository", () => {
  it("is pulled once into the cache, then templated for every tenant", async () => {
    const ctx = repoPlatform(url);
    const [a, b] = tenants(ctx, [["acme", {}], ["bolt", { tier: "medium" }]]);
    requests = [];
    const first = await renderTenantBundle(ctx.config, must(a), { baseDir: REPO, helm });
    const second = await renderTenantBundle(ctx.config, must(b), { baseDir: REPO, helm });
    expect(first.app?.origin.display).toBe("chart example-shop 0.3.0");
    expect(second.app?.objects.map((o) => o.kind)).toContain("CronJob");
    expect(requests.filter((r) => r.endsWith(".tgz"))).toEqual(["/example-shop-0.3.0.tgz"]);
    const cached = await readdir(helm.cacheDir);
    expect(cached.filter((d) => /^[0-9a-f]{16}$/.test(d))).toHaveLength(1);
    // Argo CD gets the repository and chart name, and the AppProject allows that repository.
    expect(chartSource(must(first.app), { repoURL: "https://git.example.com/fleet.git", revision: "main" })).toMatchObject({ source: { repoURL: url, chart: "example-shop", targetRevision: "0.3.0" }, repo: url });
  });

  it("names the reference, version and repository when the pull fails", async () => {
    const ctx = repoPlatform(url, "9.9.9");
    const [a] = tenants(ctx, [["acme", {}]]);
    await expect(renderTenantBundle(ctx.config, must(a), { baseDir: REPO, helm })).rejects.toThrow(new RegExp(`app\\.package\\.helm: helm pull example-shop 9\\.9\\.9 from ${url.replace(/\./g, "\\.")} failed: .*9\\.9\\.9`));
  });
});
