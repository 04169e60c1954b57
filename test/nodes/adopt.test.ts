/**
 * `landlord adopt` on real nodes: a namespace set up by hand (a Deployment of the app, a
 * PostgreSQL StatefulSet configured as the official image is, a Service and an Ingress
 * through Traefik) holding rows the app wrote becomes a Landlord tenant. A client polls the
 * customer's hostname every 200 ms through Traefik the whole time, and no request fails;
 * the rows arrive intact in the tenant's CloudNativePG database; the hostname is then
 * served by the tenant's own pods; a second run changes nothing; and an adoption refused
 * before it starts leaves the original serving and untouched.
 */
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, NetworkingV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { openRuntime } from "../../src/app/runtime.js";
import type { CliIo } from "../../src/cli/io.js";
import { startServer } from "../../src/server/server.js";
import { sha256 } from "../../src/store/index.js";
import { sleep } from "../../src/util/sleep.js";
import { call } from "../server/support/serve.js";
import { TRAEFIK_INGRESS } from "../../src/devcluster/traefik.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { psqlIn } from "./support/psql.js";
import { type CliResult, deleteNamespaces, ensureNamespace, landlordIn, nodesAdmin, realNodesLandlordYaml } from "./support/nodes.js";

const name = uniqueName("adopt");
const legacy = `legacy-${name}`;
const HOST = `${name}.apps.example.com`;
const tenantNamespace = `tenant-${name}`;
const APP_IMAGE = "registry.example.com/saas/app:1.0.0";
let dir: string;

function landlord(...argv: string[]): Promise<CliResult> {
  return landlordIn(dir, ...argv);
}

/** GET https://HOST/PATH through Traefik (SNI and Host name the customer's hostname; any certificate: the legacy setup has none of its own). */
function get(path: string, host = HOST): Promise<{ status: number; body: string }> {
  const { ip, httpsPort } = inject("nodesIngress");
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: httpsPort, path, servername: host, headers: { host }, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET https://${host}${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The hand-made setup, as a team would have written it before Landlord. */
async function handMadeSetup(namespace: string, appImage: string, host: string): Promise<void> {
  const { kc, core } = nodesAdmin();
  const apps = kc.makeApiClient(AppsV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  await ensureNamespace(core, namespace);
  const password = `pw-${name}`;
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: "pg" }, stringData: { password } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: "shop-db" }, stringData: { url: `postgresql://shop:${password}@postgres:5432/shop?sslmode=disable` } } });
  const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
  // The project's PostgreSQL image has no entrypoint of its own: this script does what the
  // official image's does (sockets in /tmp: the image's /var/run/postgresql is root's here).
  const start = [
    'set -e; D=/var/lib/postgresql/data/pgdata',
    'if [ ! -s "$D/PG_VERSION" ]; then',
    '  echo "$POSTGRES_PASSWORD" > /tmp/pw; initdb -D "$D" --username="$POSTGRES_USER" --pwfile=/tmp/pw --auth=scram-sha-256 >/dev/null; rm /tmp/pw',
    '  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$D/pg_hba.conf"',
    '  postgres -D "$D" -k /tmp -c listen_addresses=127.0.0.1 & until pg_isready -h 127.0.0.1 -q; do sleep 0.5; done',
    '  PGPASSWORD="$POSTGRES_PASSWORD" createdb -h 127.0.0.1 -U "$POSTGRES_USER" "$POSTGRES_DB"; pg_ctl -D "$D" stop -w >/dev/null',
    'fi',
    'exec postgres -D "$D" -k /tmp -c listen_addresses="*"',
  ].join("\n");
  await apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: "postgres" },
      spec: {
        serviceName: "postgres",
        replicas: 1,
        selector: { matchLabels: { app: "postgres" } },
        template: {
          metadata: { labels: { app: "postgres" } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 26, fsGroup: 26, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "postgres",
                image: inject("nodesPostgresImage"),
                command: ["sh", "-c", start],
                env: [
                  { name: "POSTGRES_USER", value: "shop" },
                  { name: "POSTGRES_DB", value: "shop" },
                  { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "pg", key: "password" } } },
                ],
                ports: [{ containerPort: 5432 }],
                readinessProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-q"] }, periodSeconds: 2 },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                securityContext: restricted,
                volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
              },
            ],
            volumes: [{ name: "data", emptyDir: {} }],
          },
        },
      },
    },
  });
  await core.createNamespacedService({ namespace, body: { metadata: { name: "postgres" }, spec: { selector: { app: "postgres" }, ports: [{ port: 5432, targetPort: 5432 }] } } });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: "shop" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "shop" } },
        template: {
          metadata: { labels: { app: "shop" } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "shop",
                image: appImage,
                env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "shop-db", key: "url" } } }],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 2 },
                resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: { ...restricted, readOnlyRootFilesystem: true },
              },
            ],
          },
        },
      },
    },
  });
  await core.createNamespacedService({ namespace, body: { metadata: { name: "shop" }, spec: { selector: { app: "shop" }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await net.createNamespacedIngress({
    namespace,
    body: {
      metadata: { name: "shop" },
      spec: {
        ingressClassName: TRAEFIK_INGRESS.className,
        tls: [{ hosts: [host] }],
        rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "shop", port: { number: 80 } } } }] } }],
      },
    },
  });
}

async function waitAvailable(namespace: string, deployment: string, timeoutMs = 240_000): Promise<void> {
  const apps = nodesAdmin().kc.makeApiClient(AppsV1Api);
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const d = await apps.readNamespacedDeployment({ namespace, name: deployment });
    if ((d.status?.availableReplicas ?? 0) >= 1) return;
    if (Date.now() > deadline) throw new Error(`deployment ${namespace}/${deployment} not available after ${String(timeoutMs / 1000)} s`);
    await sleep(1_000);
  }
}

/** Polls /ready (the app and its database answer; nothing is written) every 200 ms until stopped. */
function poller(): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  const state = { running: true };
  let ok = 0;
  const failed: string[] = [];
  const loop = (async () => {
    while (state.running) {
      const at = new Date().toISOString();
      await get("/ready").then(
        (r) => (r.status === 200 ? ok++ : failed.push(`${at} ${String(r.status)} ${r.body.trim().slice(0, 80)}`)),
        (err: unknown) => failed.push(`${at} ${(err as Error).message}`),
      );
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return { ok, failed };
    },
  };
}

let rowsBefore = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-adopt-"));
  await writeFile(join(dir, "landlord.yaml"), realNodesLandlordYaml());
  await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
  await handMadeSetup(legacy, APP_IMAGE, HOST);
  await waitAvailable(legacy, "shop");
  // Traefik routes the host once the Service has a ready endpoint; its customers then write rows.
  for (const deadline = Date.now() + 60_000; (await get("/ready").catch(() => ({ status: 0 }))).status !== 200; ) {
    if (Date.now() > deadline) throw new Error(`https://${HOST}/ready never answered 200 through Traefik`);
    await sleep(500);
  }
  for (let i = 0; i < 25; i++) {
    const r = await get(`/order/${String(i)}`);
    expect(r.status, r.body).toBe(200);
    rowsBefore = (JSON.parse(r.body) as { visits: number }).visits;
  }
}, 420_000);

afterAll(async () => {
  await deleteNamespaces(nodesAdmin().core, [tenantNamespace, legacy, `${legacy}-bad`, `tenant-${name}x`]);
}, 300_000);

describe("landlord adopt: a hand-made deployment becomes a tenant without downtime", () => {
  it("proposes the tenant and the plan from what runs, and changes nothing with --dry-run", async () => {
    const r = await landlord("adopt", legacy, "--name", name, "--email", `ops@${name}.example.com`, "--dry-run", "-o", "json");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { spec: { spec: { domains: string[]; version: string } }; found: { database: { kind: string; host: string; database: string; user: string } }; plan: { what: string; action: string }[] };
    expect(out.spec.spec.domains).toEqual([HOST]);
    expect(out.spec.spec.version).toBe("1.0.0");
    expect(out.found.database).toMatchObject({ kind: "postgres", host: `postgres.${legacy}.svc`, database: "shop", user: "shop" });
    expect(out.plan.map((p) => `${p.action} ${p.what.split(" (")[0] ?? ""}`)).toEqual([`rename namespace ${legacy}`, "move deployment shop", "move database postgres", "switch ingress shop"]);
    const tenantNs = await nodesAdmin().core.readNamespace({ name: tenantNamespace }).then(() => true, () => false);
    expect(tenantNs).toBe(false);
    // --write keeps the proposed spec as a tenant file, and never overwrites one.
    const file = join(dir, "proposed.yaml");
    expect((await landlord("adopt", legacy, "--name", name, "--email", `ops@${name}.example.com`, "--dry-run", "--write", file)).code).toBe(0);
    expect(parse(await readFile(file, "utf8"))).toMatchObject({ kind: "Tenant", metadata: { name }, spec: { domains: [HOST], version: "1.0.0" } });
    const again = await landlord("adopt", legacy, "--name", name, "--email", `ops@${name}.example.com`, "--dry-run", "--write", file);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("--write");
  });

  it("refuses an adoption whose app comes from a registry the platform does not allow, and the original keeps serving", async () => {
    const bad = `${legacy}-bad`;
    await handMadeSetup(bad, "docker.io/library/nginx:1.27", `${name}-bad.apps.example.com`);
    const badDir = await mkdtemp(join(tmpdir(), "landlord-adopt-bad-"));
    await writeFile(join(badDir, "landlord.yaml"), realNodesLandlordYaml());
    await copyFile(inject("nodesKubeconfig"), join(badDir, "kubeconfig"));
    const r = await landlordIn(badDir, "--new-store", "adopt", bad, "--name", `${name}-bad`, "--email", `ops@${name}.example.com`, "--domain", `${name}-bad.apps.example.com`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/overrides\.app\.image|app\.image/);
    expect(r.stderr).toMatch(/not allowed/);
    expect(await nodesAdmin().core.readNamespace({ name: `tenant-${name}-bad` }).then(() => true, () => false)).toBe(false);
    const ingress = await nodesAdmin().kc.makeApiClient(NetworkingV1Api).readNamespacedIngress({ namespace: bad, name: "shop" });
    expect(ingress.spec?.rules?.[0]?.host).toBe(`${name}-bad.apps.example.com`);
    expect((await get("/ready")).status).toBe(200);
  });

  it("stops at a refused workflow step with the original serving: a namespace already named as Landlord names the tenant's", async () => {
    // The hand-made namespace happens to be tenant-<name>: Landlord would build into it, so the validate step refuses.
    const clash = `tenant-${name}x`;
    const clashHost = `${name}x.apps.example.com`;
    await handMadeSetup(clash, APP_IMAGE, clashHost);
    await waitAvailable(clash, "shop");
    const clashDir = await mkdtemp(join(tmpdir(), "landlord-adopt-clash-"));
    await writeFile(join(clashDir, "landlord.yaml"), realNodesLandlordYaml());
    await copyFile(inject("nodesKubeconfig"), join(clashDir, "kubeconfig"));
    const r = await landlordIn(clashDir, "--new-store", "adopt", clash, "--name", `${name}x`, "--email", `ops@${name}.example.com`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${clash} is the namespace Landlord gives tenant ${name}x`);
    expect(r.stderr).toContain(`landlord adopt ${clash} --name OTHER`);
    expect(r.stderr).toContain(`landlord offboard ${name}x`);
    const apps = nodesAdmin().kc.makeApiClient(AppsV1Api);
    expect((await apps.readNamespacedDeployment({ namespace: clash, name: "shop" })).status?.availableReplicas).toBe(1);
    expect((await nodesAdmin().kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: clash })).items).toEqual([]);
    expect((await get("/ready", clashHost)).status).toBe(200);
    const tenants = await landlordIn(clashDir, "get", "tenants", `${name}x`, "-o", "json");
    expect(tenants.stdout).toContain('"Failed"');
  });

  it("adopts it while a client polls the hostname every 200 ms, with no failed request, and the rows arrive intact", async () => {
    const poll = poller();
    const started = Date.now();
    const r = await landlord("--new-store", "adopt", legacy, "--name", name, "--email", `ops@${name}.example.com`);
    const seconds = (Date.now() - started) / 1000;
    const { ok, failed } = await poll.stop();
    console.log(`--- adopt: ${seconds.toFixed(1)} s, ${String(ok)} requests answered 200, ${String(failed.length)} failed\n${r.stdout}\n${r.stderr.split("\n").slice(-30).join("\n")}`);
    expect(r.code, r.stderr).toBe(0);
    expect(failed).toEqual([]);
    expect(ok).toBeGreaterThan(seconds * 2);
    // Every row the customers wrote, in order. (The ACME server's and cert-manager's HTTP-01
    // requests for the new certificate may reach the old app's catch-all page before the
    // solver's route loads, and it counts them as visits too: the verify step compared all rows.)
    const orders = await psqlIn(tenantNamespace, "select string_agg(path, ',' order by id) from visits where path like '/order/%'");
    expect(orders).toBe(Array.from({ length: 25 }, (_, i) => `/order/${String(i)}`).join(","));
    expect(Number(await psqlIn(tenantNamespace, "select max(id) from visits where path like '/order/%'"))).toBe(rowsBefore);
    const id = /workflow ([0-9a-f-]{36})/.exec(r.stderr)?.[1] ?? "";
    console.log((await landlord("workflows", "describe", id)).stdout);
  });

  it("then serves the hostname from the tenant's own pods and database, with the old Ingress gone and the old namespace marked", async () => {
    let r = await get("/after-adoption");
    // Traefik drops the removed route within its reload interval; until then both backends answer.
    for (const deadline = Date.now() + 15_000; !(JSON.parse(r.body) as { host: string }).host.startsWith("app-") && Date.now() < deadline; r = await get("/after-adoption")) await sleep(500);
    const body = JSON.parse(r.body) as { host: string; visits: number };
    expect(body.host).toMatch(/^app-/);
    // Written into the tenant's own database, after the rows it brought along.
    expect(Number(await psqlIn(tenantNamespace, "select count(*) from visits where path = '/after-adoption'"))).toBeGreaterThanOrEqual(1);
    expect(body.visits).toBe(Number(await psqlIn(tenantNamespace, "select count(*) from visits")));
    const net = nodesAdmin().kc.makeApiClient(NetworkingV1Api);
    expect((await net.listNamespacedIngress({ namespace: legacy })).items).toEqual([]);
    expect((await net.listNamespacedIngress({ namespace: tenantNamespace })).items.map((i) => i.spec?.rules?.[0]?.host)).toEqual([HOST]);
    const ns = await nodesAdmin().core.readNamespace({ name: legacy });
    expect(ns.metadata?.labels?.["landlord.dev/adopted-into"]).toBe(tenantNamespace);
    // The import's path to the old database and its password copy are gone with the switch.
    expect((await net.listNamespacedNetworkPolicy({ namespace: tenantNamespace })).items.map((p) => p.metadata?.name)).not.toContain("allow-adopt-source-egress");
    expect(await nodesAdmin().core.readNamespacedSecret({ namespace: tenantNamespace, name: "adopt-source-password" }).then(() => true, () => false)).toBe(false);
    const status = await landlord("get", "tenants", name, "-o", "json");
    expect(status.stdout).toContain('"Ready"');
  });

  it("changes nothing when run again", async () => {
    const r = await landlord("adopt", legacy, "--name", name, "--email", `ops@${name}.example.com`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/was adopted as tenant .* by workflow .*; nothing to do/);
    const wfs = await landlord("workflows", "list", "-o", "json");
    expect((wfs.stdout.match(/"kind": "adopt"/g) ?? []).length).toBe(1);
  });

  it("answers the same through the HTTP API: already adopted, and a dry run proposes without changing anything", async () => {
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: { LANDLORD_ACTOR: "test" } };
    const rt = await openRuntime(io, { config: "landlord.yaml", kubeconfig: "kubeconfig" });
    const token = `llop_${name}_operator_token_for_tests`;
    const server = await startServer(rt, { host: "127.0.0.1", port: 0, version: "test", operatorTokens: new Map([[sha256(token), "operator-1"]]), log: () => undefined });
    try {
      const again = await call(server.url, "POST", "/api/v1/adoptions", { token, body: { namespace: legacy, name, email: `ops@${name}.example.com` } });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body).toMatchObject({ alreadyAdopted: true, workflow: { kind: "adopt", status: "Succeeded" } });
      const dry = await call(server.url, "POST", "/api/v1/adoptions", { token, body: { namespace: legacy, name: `${name}y`, email: `ops@${name}.example.com`, domains: [`${name}y.apps.example.com`], dryRun: true } });
      expect(dry.status, JSON.stringify(dry.body)).toBe(200);
      const plan = (dry.body as { proposal: { plan: { action: string; what: string }[] } }).proposal.plan;
      expect(plan.map((p) => p.action)).toEqual(["rename", "move", "move"]);
      // Without --email the API names the field, as the CLI does.
      const bad = await call(server.url, "POST", "/api/v1/adoptions", { token, body: { namespace: legacy, name: `${name}y`, domains: [`${name}y.apps.example.com`], dryRun: true } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain("email");
    } finally {
      await server.close();
      await rt.close();
    }
  });
});
