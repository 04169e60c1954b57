/**
 * Custom domains wait for a DNS TXT challenge: checked against a real DNS server (dnsmasq on
 * a loopback port) through the CLI, and against a local server that answers as Azure
 * Resource Manager does (Azure itself cannot run here).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { azureDnsTxtLookup } from "../../src/delivery/dns/azure-dns-txt.js";
import { renderBundle } from "../../src/render/bundle.js";
import { challengeRecord, judgeChallenge, splitDomains } from "../../src/spec/custom-domains.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const DNSMASQ = "/usr/sbin/dnsmasq";

let dir: string;
async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(argv, io), stdout, stderr };
}

let dns: ChildProcess | undefined;
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address() as AddressInfo;
  s.close();
  return port;
}

/** A real DNS server answering for acme-corp.com only: the given TXT records, NXDOMAIN for the rest. */
async function startDns(port: number, txt: Record<string, string>): Promise<void> {
  const args = ["--keep-in-foreground", `--port=${String(port)}`, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--local=/acme-corp.com/"];
  for (const [name, value] of Object.entries(txt)) args.push(`--txt-record=${name},${value}`);
  dns = spawn(DNSMASQ, args, { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  expect(dns.exitCode).toBeNull();
}
async function stopDns(): Promise<void> {
  if (!dns || dns.exitCode !== null) return;
  dns.kill("SIGTERM");
  await once(dns, "exit");
}
afterEach(stopDns);

beforeAll(async () => {
  await readFile(DNSMASQ).catch(() => {
    throw new Error(`${DNSMASQ} is missing: install Debian's dnsmasq-base (.ci/run does)`);
  });
});

describe("pending custom domains in the render", () => {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("acme", { domains: ["acme.apps.example.com", "shop.acme-corp.com"] })]);
  if (!t) throw new Error("no tenant");

  test("are left out of the Certificate, the Ingress and the admission parameters until verified", () => {
    const hostsOf = (objects: ReturnType<typeof renderBundle>["objects"]) => ({
      ingress: (objects.find((o) => o.kind === "Ingress")?.spec as { rules: { host: string }[] }).rules.map((r) => r.host),
      cert: (objects.find((o) => o.kind === "Certificate")?.spec as { dnsNames: string[] }).dnsNames,
      params: (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "landlord-guardrails") as unknown as { data: { hosts: string } }).data.hosts,
    });
    expect(t.domains).toEqual({ served: ["acme.apps.example.com"], pending: ["shop.acme-corp.com"] });
    expect(hostsOf(renderBundle(ctx.config, t).objects)).toEqual({ ingress: ["acme.apps.example.com"], cert: ["acme.apps.example.com"], params: "acme.apps.example.com" });
    const proven = { ...t, domains: splitDomains(t.tenant.spec.domains, "apps.example.com", new Set(["shop.acme-corp.com"])) };
    expect(hostsOf(renderBundle(ctx.config, proven).objects)).toEqual({
      ingress: ["acme.apps.example.com", "shop.acme-corp.com"],
      cert: ["acme.apps.example.com", "shop.acme-corp.com"],
      params: "acme.apps.example.com,shop.acme-corp.com",
    });
  });

  test("a tenant with only pending domains gets no Ingress and no Certificate at all", () => {
    const [only] = fleet(ctx, [tenantFile("solo", { domains: ["www.acme-corp.com"] })]);
    if (!only) throw new Error("no tenant");
    const kinds = renderBundle(ctx.config, only).objects.map((o) => o.kind);
    expect(kinds).not.toContain("Ingress");
    expect(kinds).not.toContain("Certificate");
  });

  test("only the exact token verifies; another token or other text says what was found", () => {
    expect(judgeChallenge({ kind: "records", values: ["landlord-domain-verification=abc"] }, "abc")).toEqual({ verified: true, result: "verified" });
    expect(judgeChallenge({ kind: "records", values: ["landlord-domain-verification=abcd"] }, "abc").result).toMatch(/another token/);
    expect(judgeChallenge({ kind: "records", values: ["v=spf1 -all"] }, "abc").result).toMatch(/without the expected value/);
    expect(judgeChallenge({ kind: "none" }, "abc")).toEqual({ verified: false, result: "no TXT record yet" });
    expect(judgeChallenge({ kind: "error", message: "SERVFAIL" }, "abc").verified).toBe(false);
  });
});

describe("landlord domains, against a real DNS server", () => {
  test("a custom domain stays Pending until its TXT record holds this tenant's token, then it is served", async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-domains-"));
    expect((await landlord("init")).code).toBe(0);
    const port = await freePort();
    const configPath = join(dir, "landlord.yaml");
    const config = await readFile(configPath, "utf8");
    const withResolver = config.replace(/(\n(\s+)zone: apps\.example\.com[^\n]*\n)/, `$1$2challenge: { resolvers: ["127.0.0.1:${String(port)}"] }\n`);
    expect(withResolver).not.toBe(config);
    await import("node:fs/promises").then((fs) => fs.writeFile(configPath, withResolver));

    const onboard = await landlord("onboard", "acme", "--tier", "small", "--domain", "acme.apps.example.com", "--domain", "shop.acme-corp.com", "--contact", "ops@acme.example.com");
    expect(onboard.code, onboard.stderr).toBe(0);
    const delivered = async () => {
      const text = await readFile(join(dir, "landlord-out", "acme", "kubernetes.yaml"), "utf8");
      const ing = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; spec?: { rules?: { host: string }[] } }).find((o) => o.kind === "Ingress");
      return (ing?.spec?.rules ?? []).map((r) => r.host);
    };
    expect(await delivered()).toEqual(["acme.apps.example.com"]);

    const listed = await landlord("domains", "acme", "-o", "json");
    expect(listed.code).toBe(0);
    const doc = JSON.parse(listed.stdout) as { domains: { domain: string; status: string; record?: { name: string; value: string } }[] };
    const shop = doc.domains.find((d) => d.domain === "shop.acme-corp.com");
    expect(doc.domains.find((d) => d.domain === "acme.apps.example.com")?.status).toBe("Served");
    expect(shop?.status).toBe("Pending");
    expect(shop?.record?.name).toBe("_landlord-challenge.shop.acme-corp.com");
    const token = (shop?.record?.value ?? "").replace("landlord-domain-verification=", "");
    expect(token).toMatch(/^[a-z2-7]{26}$/);
    // Listing again shows the same token: the customer's record stays valid.
    expect((await landlord("domains", "acme", "-o", "json")).stdout).toContain(token);

    // No record yet: NXDOMAIN from the server, still pending, exit 1.
    await startDns(port, {});
    let v = await landlord("domains", "verify", "acme");
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/shop\.acme-corp\.com: no TXT record yet \(TXT _landlord-challenge\.shop\.acme-corp\.com via resolver 127\.0\.0\.1:\d+\)/);
    await stopDns();

    // A record with another token (an earlier customer's, or another tenant's) proves nothing.
    await startDns(port, { [challengeRecord("shop.acme-corp.com", "x").name]: "landlord-domain-verification=aaaaaaaaaaaaaaaaaaaaaaaaaa" });
    v = await landlord("domains", "verify", "acme");
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/another token/);
    await stopDns();

    await startDns(port, { [challengeRecord("shop.acme-corp.com", token).name]: `landlord-domain-verification=${token}` });
    v = await landlord("domains", "verify", "acme", "-o", "json");
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ domains: [{ domain: "acme.apps.example.com", status: "Served" }, { domain: "shop.acme-corp.com", status: "Verified", result: "verified" }] });
    expect(v.stderr).toMatch(/1 domain\(s\) verified/);
    await stopDns();
    // Verified stays verified when the DNS server is gone.
    expect((await landlord("domains", "verify", "acme")).code).toBe(0);
    // Delivered again, the proven domain is served.
    const update = await landlord("update", "acme");
    expect(update.code, update.stderr).toBe(0);
    expect(await delivered()).toEqual(["acme.apps.example.com", "shop.acme-corp.com"]);
  }, 60_000);
});

describe("Azure DNS lookups, up to the Resource Manager boundary", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  test("reads the record set through ARM with the bearer token, 404 as absent, 403 with the role to grant", async () => {
    const seen: { url: string; auth: string | undefined }[] = [];
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      if ((req.url ?? "").includes("/TXT/_landlord-challenge.shop?")) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "_landlord-challenge.shop", properties: { TTL: 300, TXTRecords: [{ value: ["landlord-domain-verification=", "tok"] }] } }));
      } else if ((req.url ?? "").includes("/TXT/_landlord-challenge.forbidden?")) {
        res.writeHead(403).end("{}");
      } else res.writeHead(404).end("{}");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const endpoint = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
    const sub = "00000000-1111-2222-3333-444444444444";
    const lookup = azureDnsTxtLookup({ subscriptionId: sub, resourceGroup: "rg-dns", zones: ["customer.example", "acme-corp.com"], endpoint }, () => Promise.resolve("tkn"));

    expect(await lookup.lookup("_landlord-challenge.shop.acme-corp.com")).toEqual({ kind: "records", values: ["landlord-domain-verification=tok"] });
    expect(seen[0]).toEqual({ url: `/subscriptions/${sub}/resourceGroups/rg-dns/providers/Microsoft.Network/dnsZones/acme-corp.com/TXT/_landlord-challenge.shop?api-version=2018-05-01`, auth: "Bearer tkn" });
    expect(await lookup.lookup("_landlord-challenge.www.acme-corp.com")).toEqual({ kind: "none" });
    expect(await lookup.lookup("_landlord-challenge.forbidden.acme-corp.com")).toEqual({ kind: "error", message: "Azure DNS answered HTTP 403 (the identity needs DNS Zone Reader on the zone)" });
    expect((await lookup.lookup("_landlord-challenge.shop.elsewhere.org")).kind).toBe("error");
  });
});

describe("validate and render of one file see the onboarded tenants", () => {
  test("a domain under, above or equal to an onboarded tenant's is refused; the tenant's own file passes", async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-claims-"));
    expect((await landlord("init")).code).toBe(0);
    // No store yet: nothing is created by validating.
    expect((await landlord("validate")).code).toBe(0);
    await expect(readFile(join(dir, ".landlord", "landlord.db"))).rejects.toThrow();
    expect((await landlord("onboard", "acme", "--tier", "small", "--domain", "shop.example.org", "--contact", "ops@acme.example.com")).code).toBe(0);
    const fs = await import("node:fs/promises");
    const other = (domain: string) =>
      `apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: { name: other }\nspec:\n  displayName: Other\n  tier: small\n  domains: [${domain}]\n  contacts: { email: ops@other.example.com }\n`;
    const file = join(dir, "other.yaml");
    for (const [domain, message] of [
      ["api.shop.example.org", "'api.shop.example.org' is under 'shop.example.org', which onboarded tenant 'acme' serves"],
      ["example.org", "'example.org' is a parent of 'shop.example.org', which onboarded tenant 'acme' serves"],
      ["shop.example.org", "domain 'shop.example.org' is already claimed by onboarded tenant 'acme'"],
    ] as const) {
      await fs.writeFile(file, other(domain));
      for (const command of ["validate", "render"]) {
        const r = await landlord(command, "-f", file);
        expect(r.code, `${command} ${domain}`).toBe(2);
        expect(r.stderr).toContain(message);
      }
    }
    await fs.writeFile(file, other("other.example.net"));
    expect((await landlord("validate", "-f", file)).code).toBe(0);
    const own = await landlord("validate", "-f", join(dir, "tenants", "acme.yaml"));
    expect(own.code, own.stderr).toBe(0);
  }, 60_000);
});

describe("an unproven claim expires (issue 23)", () => {
  test("domains shows when; another tenant is refused until then with the time, and gets the name after it", async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-claim-expiry-"));
    expect((await landlord("init")).code).toBe(0);
    const fs = await import("node:fs/promises");
    const configPath = join(dir, "landlord.yaml");
    const config = await readFile(configPath, "utf8");
    const twoDays = config.replace(/(\n(\s+)zone: apps\.example\.com[^\n]*\n)/, `$1$2challenge: { unverifiedClaimDays: 2 }\n`);
    expect(twoDays).not.toBe(config);
    await fs.writeFile(configPath, twoDays);
    const onboard = (name: string) => landlord("onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--domain", "shop.acme-corp.com", "--contact", `ops@${name}.example.com`);
    expect((await onboard("acme")).code).toBe(0);

    const listed = JSON.parse((await landlord("domains", "acme", "-o", "json")).stdout) as { domains: { domain: string; status: string; claimed?: string; expires?: string }[] };
    const shop = listed.domains.find((d) => d.domain === "shop.acme-corp.com");
    expect(shop?.status).toBe("Pending");
    const expires = shop?.expires ?? "";
    expect(new Date(expires).getTime() - new Date(shop?.claimed ?? "").getTime()).toBe(2 * 24 * 3600 * 1000);
    expect(listed.domains.find((d) => d.domain === "acme.apps.example.com")).toEqual({ domain: "acme.apps.example.com", kind: "platform", status: "Served" });
    expect((await landlord("domains", "acme", "-o", "yaml")).stdout).toContain(`expires: '${expires}'`);

    const refused = await onboard("globex");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`'shop.acme-corp.com' by tenant 'acme' (not proven yet: the claim expires at ${expires}, after which another tenant may claim it)`);
    const file = join(dir, "globex.yaml");
    await fs.writeFile(file, `apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: { name: globex }\nspec:\n  displayName: Globex\n  tier: small\n  domains: [globex.apps.example.com, shop.acme-corp.com]\n  contacts: { email: ops@globex.example.com }\n`);
    const early = await landlord("validate", "-f", file);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(`domain 'shop.acme-corp.com' is already claimed by onboarded tenant 'acme', not proven yet: the claim expires at ${expires}`);

    // Three days on: the claim is moved back instead of the clock moved forward.
    const { openStore } = await import("../../src/store/store.js");
    const store = await openStore({ baseDir: dir });
    const threeDaysAgo = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString();
    await store.db.updateTable("tenant_domains").set({ claimed_at: threeDaysAgo }).where("domain", "=", "shop.acme-corp.com").execute();
    await store.close();
    const lapsed = await landlord("domains", "acme", "-o", "json");
    expect(lapsed.code).toBe(0);
    expect((JSON.parse(lapsed.stdout) as { domains: { domain: string; status: string; expires?: string }[] }).domains.find((d) => d.domain === "shop.acme-corp.com")).toMatchObject({
      status: "Expired",
      expires: new Date(new Date(threeDaysAgo).getTime() + 2 * 24 * 3600 * 1000).toISOString(),
    });
    const shown = await landlord("domains", "acme");
    expect(shown.stdout).toMatch(/shop\.acme-corp\.com\s+custom\s+Expired/);
    expect(shown.stderr).toMatch(/Expired claims no longer hold their names/);

    expect((await landlord("validate", "-f", file)).code).toBe(0);
    const taken = await onboard("globex");
    expect(taken.code, taken.stderr).toBe(0);
    const after = JSON.parse((await landlord("domains", "acme", "-o", "json")).stdout) as { domains: { domain: string }[] };
    expect(after.domains.map((d) => d.domain)).toEqual(["acme.apps.example.com"]);
    const globex = JSON.parse((await landlord("domains", "globex", "-o", "json")).stdout) as { domains: { domain: string; status: string }[] };
    expect(globex.domains.find((d) => d.domain === "shop.acme-corp.com")?.status).toBe("Pending");
  }, 60_000);
});
