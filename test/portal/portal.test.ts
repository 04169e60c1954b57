/**
 * The portal in Debian's Chromium (playwright-core, no downloaded browser): an operator
 * logs in, onboards a tenant from the form and watches it reach Ready live; then the
 * tenant's user logs in with its API token and sees its own instance only, and rotates the
 * token. Built with Vite's JS API into a temp folder; screenshots go to test-results/portal/.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SHOTS, buildPortal, openBrowser } from "./support.js";
import { call, operatorToken, project, replica, tenantToken, until, type Project, type Replica } from "../server/support/serve.js";


describe("portal in Chromium", () => {
  let p: Project;
  let r: Replica;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    const outDir = await buildPortal();
    p = await project();
    r = await replica(p, { portalDir: outDir });
    // Another customer, so that "sees only its own" means something.
    expect((await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: { name: "globex", displayName: "Globex", tier: "small", domains: ["globex.apps.example.com"], contact: "ops@globex.example.com" } })).status).toBe(202);
    await until("globex Ready", async () => (((await call(r.url, "GET", "/api/v1/tenants/globex", { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined));
    ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 860 }));
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await r.stop();
  });

  test("operator: log in, onboard from the form, watch it reach Ready", async () => {
    await page.goto(r.url);
    const token = page.getByLabel("API token");
    await token.fill(operatorToken);
    // Keyboard only: Enter submits the form.
    await token.press("Enter");
    await expect.poll(() => page.getByRole("heading", { name: "Fleet" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("link", { name: "globex" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "1-fleet.png"), fullPage: true });

    await page.getByRole("link", { name: "Onboard a tenant" }).click();
    // A mistake first: the API's problem appears beside the field, with the fix.
    await page.getByLabel("Tenant name").fill("Acme!");
    await page.getByLabel("Domains").fill("acme.apps.example.com");
    await page.getByLabel("Contact e-mail").fill("ops@acme.example.com");
    await page.getByRole("button", { name: "Onboard" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/metadata\.name/);
    await page.screenshot({ path: join(SHOTS, "2-onboard-error.png"), fullPage: true });

    await page.getByLabel("Tenant name").fill("acme");
    await page.getByLabel("Display name").fill("Acme Corp");
    await page.getByRole("button", { name: "Onboard" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Tenant acme" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId("phase").textContent(), { timeout: 20_000 }).toBe("Ready");
    await expect.poll(() => page.locator(".progress, table").first().isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("cell", { name: "Succeeded" }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "3-tenant-ready.png"), fullPage: true });

    // The fleet filter.
    await page.getByRole("link", { name: "Fleet" }).click();
    await page.getByLabel("Filter by name, tier or domain").fill("acme");
    await expect.poll(() => page.getByRole("link", { name: "globex" }).count()).toBe(0);
    await expect.poll(() => page.getByRole("link", { name: "acme" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "4-fleet-filtered.png"), fullPage: true });
    await page.getByRole("button", { name: "Log out" }).click();
    await expect.poll(() => page.getByLabel("API token").isVisible()).toBe(true);
  });

  test("customer: its own instance only; rotates its API token", async () => {
    const token = await tenantToken(p, "acme");
    await page.getByLabel("API token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("heading", { name: /Your instance: Acme Corp/ }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId("phase").textContent()).toBe("Ready");
    const text = (await page.textContent("body")) ?? "";
    expect(text).toContain("acme.apps.example.com");
    expect(text).not.toMatch(/globex/i);
    expect(await page.getByRole("link", { name: "Fleet" }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "5-customer.png"), fullPage: true });

    // Typing another tenant's page into the address bar shows nothing of it.
    await page.goto(`${r.url}/#/tenants/globex`);
    await expect.poll(() => page.getByRole("heading", { name: /Your instance/ }).isVisible()).toBe(true);
    expect((await page.textContent("body")) ?? "").not.toMatch(/globex\.apps/);

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Rotate API token" }).click();
    const fresh = page.getByLabel("New API token (copy it now)");
    await expect.poll(() => fresh.inputValue()).toMatch(/^ll_/);
    await page.screenshot({ path: join(SHOTS, "6-token-rotated.png"), fullPage: true });
    const newToken = await fresh.inputValue();
    expect((await call(r.url, "GET", "/api/v1/me", { token })).status).toBe(401);
    expect((await call(r.url, "GET", "/api/v1/me", { token: newToken })).body).toMatchObject({ kind: "tenant", name: "acme" });
    // The session survived the rotation.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { name: /Your instance/ }).isVisible()).toBe(true);
    expect(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e))).toEqual([]);
  });

  test("the API docs page renders under the strict CSP and filters by keyboard", async () => {
    await page.goto(`${r.url}/docs`);
    await expect.poll(() => page.locator("section").count()).toBeGreaterThan(10);
    await page.getByLabel("Filter operations").fill("events");
    await expect.poll(() => page.locator("section:visible").count()).toBe(1);
    await page.locator("section:visible summary").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("section:visible details").getAttribute("open")).not.toBeNull();
    await page.screenshot({ path: join(SHOTS, "7-api-docs.png"), fullPage: true });
    // A CSP violation or a script error would be reported here.
    expect(consoleErrors.filter((e) => !/401|Failed to load resource/.test(e))).toEqual([]);
  });
});
