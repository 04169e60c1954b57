/**
 * What the portal tests share: the portal built with Vite's JS API into a temp folder,
 * Debian's Chromium through playwright-core (no downloaded browser), a login by API token
 * from the keyboard, and tenants onboarded through the API up to Ready.
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { expect } from "vitest";
import { call, operatorToken, until } from "../server/support/serve.js";

export const ROOT = resolve(import.meta.dirname, "../..");
/** Screenshots, kept as test artefacts. */
export const SHOTS = join(ROOT, "test-results", "portal");

/** Builds the portal into a new temp folder (returned) and makes sure SHOTS exists. */
export async function buildPortal(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), "landlord-portal-"));
  await build({ configFile: join(ROOT, "portal", "vite.config.ts"), logLevel: "error", build: { outDir, emptyOutDir: true } });
  await mkdir(SHOTS, { recursive: true });
  return outDir;
}

export interface OpenBrowser {
  readonly browser: Browser;
  readonly page: Page;
  /** The page's console errors, collected as they come. */
  readonly consoleErrors: string[];
}

export async function openBrowser(viewport: { width: number; height: number }): Promise<OpenBrowser> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await (await browser.newContext({ viewport })).newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  return { browser, page, consoleErrors };
}

/** Logs in with an API token, Enter submitting the form, and waits for the session. */
export async function loginWith(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("API token").fill(token);
  await page.getByLabel("API token").press("Enter");
  await expect.poll(() => page.getByRole("button", { name: "Log out" }).isVisible()).toBe(true);
}

export const tenantForm = (name: string) => ({ name, displayName: name === "acme" ? "Acme Corp" : "Globex", tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

/** Onboards each name through the API and waits until all are Ready. */
export async function onboardReady(url: string, names: readonly string[]): Promise<void> {
  for (const name of names) expect((await call(url, "POST", "/api/v1/tenants", { token: operatorToken, body: tenantForm(name) })).status).toBe(202);
  for (const name of names) await until(`${name} Ready`, async () => (((await call(url, "GET", `/api/v1/tenants/${name}`, { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined), 60_000);
}
