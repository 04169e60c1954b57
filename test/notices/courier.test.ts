/** The courier's refusals: a tenant-written webhook URL that is not https never gets a request. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { deliverDueNotices } from "../../src/notices/courier.js";
import { noticeTransports } from "../../src/notices/transports.js";
import { noticesSchema } from "../../src/spec/notices-schema.js";
import { openStore, type Store } from "../../src/store/index.js";
import { noticesRepo } from "../../src/store/notices-repo.js";

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-courier-"));
  store = await openStore({ baseDir: dir });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test("a plain-http webhook URL (the cloud metadata endpoint here) is refused before any request, naming the file and the setting, never the URL", async () => {
  const secretsDir = join(dir, "secrets");
  await mkdir(join(secretsDir, "acme", "slack"), { recursive: true });
  await writeFile(join(secretsDir, "acme", "slack", "url"), "http://169.254.169.254/metadata/identity/oauth2/token\n");
  const config = noticesSchema.parse({ secretsDir });
  let posted = 0;
  const real = noticeTransports(config);
  const transports = {
    email: (to: string, n: { subject: string; text: string }) => real.email(to, n),
    webhook: (url: string, body: unknown) => {
      posted++;
      return real.webhook(url, body);
    },
  };
  await noticesRepo(store.db).enqueue([{ dedupeKey: "incident:1", tenant: "acme", kind: "incident", channel: "slack", recipient: "slack/url", subject: "s", body: "b" }], new Date());
  expect(await deliverDueNotices({ store, config, transports })).toEqual({ sent: 0, failed: 1 });
  expect(posted).toBe(0);
  const [row] = await noticesRepo(store.db).list({ tenant: "acme" });
  expect(row?.lastError).toBe(`webhook URL file ${join(secretsDir, "acme", "slack", "url")} does not hold an https URL (plain http is refused unless notices.allowHttpWebhooks is set)`);
  expect(JSON.stringify(row)).not.toContain("169.254");
});
