/**
 * The portal's money, monitoring and rollout pages in Debian's Chromium (playwright-core):
 * an operator sees a tenant's invoices, their chart and PDFs, the cost and SLA notes when
 * no Prometheus is configured, the alert rules, and a rollout with its targets; the
 * tenant's user sees its own invoices only. Built with Vite's JS API into a temp folder;
 * screenshots go to test-results/portal/.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRelease, startRollout } from "../../src/rollout/service.js";
import { rolloutContext } from "../../src/rollout/wiring.js";
import { invoicesRepo } from "../../src/store/invoices-repo.js";
import { SHOTS, buildPortal, loginWith, onboardReady, openBrowser } from "./support.js";
import { call, operatorToken, project, replica, tenantToken, until, type Project, type Replica } from "../server/support/serve.js";


describe("portal costs, alerts and rollouts in Chromium", () => {
  let p: Project;
  let r: Replica;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  const acmeNumbers: string[] = [];
  let globexNumber = "";
  let rolloutId = "";

  const login = (token: string) => loginWith(page, r.url, token);

  beforeAll(async () => {
    const outDir = await buildPortal();
    p = await project();
    r = await replica(p, { portalDir: outDir });
    await onboardReady(r.url, ["acme", "globex"]);
    // Invoices as `landlord invoice issue` and `credit` store them: three months for acme (one corrected), one for globex.
    const repo = invoicesRepo(r.rt.store.db);
    for (const [month, minor] of [["2026-08", 12_345n], ["2026-09", 23_456n], ["2026-10", 34_567n]] as const) {
      acmeNumbers.push((await repo.issue({ tenantName: "acme", month, currency: "EUR", lines: [{ description: "Base fee", amountMinor: minor }], now: new Date() })).number);
    }
    acmeNumbers.push((await repo.credit({ number: acmeNumbers[2] ?? "", reason: "outage", amountMinor: 1_000n, now: new Date() })).number);
    globexNumber = (await repo.issue({ tenantName: "globex", month: "2026-10", currency: "EUR", lines: [{ description: "Base fee", amountMinor: 99_999n }], now: new Date() })).number;
    // A rollout of a release over both tenants, run by the server on the directory delivery.
    await createRelease(r.rt.store, { version: "2.0.0", notes: "portal test" }, "test", new Date());
    const started = await call(r.url, "POST", "/api/v1/rollouts", { token: operatorToken, body: { version: "2.0.0" } });
    expect(started.status, started.text).toBe(202);
    rolloutId = (started.body as { rollout: { id: string } }).rollout.id;
    await until("rollout ended", async () => (((await call(r.url, "GET", `/api/v1/rollouts/${rolloutId}`, { token: operatorToken })).body as { state: string }).state === "Running" ? undefined : true), 90_000);
    ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 860 }));
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await r.stop();
  });

  /** The chart's bars as their <title>s, and the table beside it as label/value rows. */
  const chart = async () => {
    const fig = page.locator("figure.chart");
    const titles = await fig.locator("svg rect title").allTextContents();
    const rows = await fig.locator("table tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.querySelector("th")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]));
    return { titles, rows, label: await fig.locator("svg").getAttribute("aria-label") };
  };

  test("operator: a tenant's invoices, their chart and PDF, notes for what is not configured, the alert rules", async () => {
    await login(operatorToken);
    await page.goto(`${r.url}/#/tenants/acme`);
    await expect.poll(() => page.getByRole("heading", { name: "Costs and invoices" }).isVisible()).toBe(true);
    await expect.poll(() => page.locator("table.invoices tbody tr").count()).toBe(4);
    const numbers = await page.locator("table.invoices tbody th").allTextContents();
    expect([...numbers].sort()).toEqual([...acmeNumbers].sort());
    expect((await page.textContent("body")) ?? "").not.toContain(globexNumber);
    // One bar per month; October is net of its credit note.
    const c = await chart();
    expect(c.titles).toEqual(["2026-08: €123.45", "2026-09: €234.56", "2026-10: €335.67"]);
    expect(c.rows).toEqual([["2026-08", "€123.45"], ["2026-09", "€234.56"], ["2026-10", "€335.67"]]);
    expect(c.label).toMatch(/3 bars, 2026-08 to 2026-10; highest €335\.67 in 2026-10/);
    expect(await page.locator("figure.chart figcaption").textContent()).toMatch(/Invoiced per month in EUR/);
    // The table of numbers opens from the keyboard.
    await page.locator("figure.chart summary").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("figure.chart details").getAttribute("open")).not.toBeNull();
    // The PDF link works with the session cookie alone.
    const href = await page.getByRole("link", { name: `PDF of ${acmeNumbers[0] ?? ""}` }).getAttribute("href");
    const pdf = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get("content-type"), head: new TextDecoder().decode((await res.arrayBuffer()).slice(0, 5)) };
    }, href ?? "");
    expect(pdf).toEqual({ status: 200, type: "application/pdf", head: "%PDF-" });
    // No Prometheus in this project: the cost report and the SLA are notes with their fix, not errors.
    const notes = page.getByRole("note");
    await expect.poll(() => notes.filter({ hasText: "No cost report for" }).textContent()).toMatch(/no usage source is configured.*To fix: set integrations\.monitoring\.prometheus\.url/);
    await expect.poll(() => notes.filter({ hasText: "No SLA figures for" }).textContent()).toMatch(/To fix: set integrations\.monitoring\.prometheus\.url/);
    await expect.poll(() => notes.filter({ hasText: "No usage figures" }).textContent()).toMatch(/no Prometheus is configured: usage over time.*To fix: set integrations\.monitoring\.prometheus\.url/);
    expect(await page.locator(".error, [role=alert]").count()).toBe(0);
    await expect.poll(() => page.getByRole("rowheader", { name: "TenantAppDown" }).isVisible()).toBe(true);
    expect((await page.locator("#alerts-title ~ ul.note").textContent()) ?? "").toMatch(/no Prometheus is configured/);
    await page.screenshot({ path: join(SHOTS, "8-tenant-costs.png"), fullPage: true });
  });

  test("customer: its own invoices and chart, nothing of another tenant", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await login(await tenantToken(p, "acme"));
    await expect.poll(() => page.getByRole("heading", { name: /Your instance: Acme Corp/ }).isVisible()).toBe(true);
    await expect.poll(() => page.locator("table.invoices tbody tr").count()).toBe(4);
    expect((await chart()).titles).toEqual(["2026-08: €123.45", "2026-09: €234.56", "2026-10: €335.67"]);
    const text = (await page.textContent("body")) ?? "";
    expect(text).not.toContain(globexNumber);
    expect(text).not.toMatch(/globex/i);
    await expect.poll(() => page.getByRole("note").filter({ hasText: "No cost report for" }).isVisible()).toBe(true);
    // The platform's settings are the operator's to fix: the customer gets the reason only.
    expect(await page.getByRole("note").filter({ hasText: "No cost report for" }).textContent()).not.toMatch(/To fix|landlord\.yaml|prometheus\.url/);
    await expect.poll(() => page.getByRole("note").filter({ hasText: "No SLA figures for" }).textContent()).toMatch(/no Prometheus is configured/);
    expect(await page.getByRole("note").filter({ hasText: "No SLA figures for" }).textContent()).not.toMatch(/To fix/);
    await expect.poll(() => page.getByRole("note").filter({ hasText: "No usage figures" }).textContent()).toMatch(/no Prometheus is configured/);
    expect(await page.getByRole("note").filter({ hasText: "No usage figures" }).textContent()).not.toMatch(/To fix/);
    expect(await page.getByRole("link", { name: "Rollouts" }).count()).toBe(0);
    // Another tenant's document, even by its exact address, is not there for this session.
    const other = await page.evaluate(async (url) => (await fetch(url)).status, `/api/v1/tenants/globex/invoices/${globexNumber}?format=pdf`);
    expect(other).toBe(404);
    const own = await page.evaluate(async (url) => (await fetch(url)).headers.get("content-type"), `/api/v1/tenants/acme/invoices/${acmeNumbers[1] ?? ""}?format=pdf`);
    expect(own).toBe("application/pdf");
    await page.screenshot({ path: join(SHOTS, "9-customer-costs.png"), fullPage: true });
    await page.getByRole("button", { name: "Log out" }).click();
  });

  test("operator: the rollouts page lists the rollout, its waves and targets, and the releases", async () => {
    await login(operatorToken);
    await page.getByRole("link", { name: "Rollouts" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Rollouts" }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("rowheader", { name: "2.0.0" }).isVisible()).toBe(true);
    await page.getByRole("link", { name: rolloutId }).click();
    await expect.poll(() => page.getByTestId("rollout-state").textContent()).toBe("Succeeded");
    const targets = await page.locator("table.targets tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.querySelector("th")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]));
    expect(targets.map(([t]) => t).sort()).toEqual(["acme", "globex"]);
    expect(targets.map(([, s]) => s)).toEqual(["done", "done"]);
    // An ended rollout cannot be paused or aborted: the controls say so by being disabled.
    expect(await page.getByRole("button", { name: "Pause" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Abort" }).isDisabled()).toBe(true);
    expect(await page.getByRole("group", { name: "Control the rollout" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "10-rollouts.png"), fullPage: true });

    // A rollout started in the store with no runner (as after a crash): pause it from the
    // keyboard, then resume it, which has this server run it to the end. Both are POSTs
    // with the session's CSRF token.
    await createRelease(r.rt.store, { version: "3.0.0" }, "test", new Date());
    const rc = rolloutContext({ store: r.rt.store, platform: r.rt.services.platform, delivery: r.rt.services.delivery });
    const { rollout } = await startRollout(rc, "3.0.0", r.rt.services.platform.config.rollout, "test", new Date());
    await page.goto(`${r.url}/#/rollouts/${rollout.id}`);
    await expect.poll(() => page.getByTestId("rollout-state").textContent()).toBe("Running");
    // The list and the rollout's own view load with separate requests: poll the list, do not read it once.
    await expect.poll(() => page.getByRole("link", { name: rollout.id }).count()).toBe(1);
    const pause = page.getByRole("button", { name: "Pause" });
    await expect.poll(() => pause.isEnabled()).toBe(true);
    await pause.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("rollout-state").textContent()).toBe("Paused");
    await expect.poll(() => page.locator("[aria-live=polite]").filter({ hasText: "pause:" }).textContent()).toMatch(/now Paused/);
    await page.screenshot({ path: join(SHOTS, "11-rollout-paused.png"), fullPage: true });
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.getByTestId("rollout-state").textContent(), { timeout: 60_000 }).toBe("Succeeded");
    expect((await call(r.url, "GET", `/api/v1/rollouts/${rollout.id}`, { token: operatorToken })).body).toMatchObject({ state: "Succeeded" });
    expect(consoleErrors.filter((e) => !/401|404|409|Failed to load resource/.test(e))).toEqual([]);
  });
});
