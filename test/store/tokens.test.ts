import { describe, expect, test } from "vitest";
import { sha256 } from "../../src/store/index.js";
import { BACKENDS, useBackend } from "./support/backends.js";

describe.each(BACKENDS)("API tokens on %s", (factory) => {
  const backend = useBackend(factory);
  const now = new Date("2026-01-01T00:00:00Z");

  test("only the hash is stored, the token verifies, recording twice is a no-op, revoking ends it", async () => {
    const store = await backend.open();
    const token = "ll_secret-value";
    await store.tokens.record({ id: "t1", tenantName: "acme", name: "onboarding", token, now });
    await store.tokens.record({ id: "t1", tenantName: "acme", name: "onboarding", token, now });
    const rows = await store.db.selectFrom("api_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]?.token_sha256).toBe(sha256(token));
    expect((await store.tokens.verify(token))?.tenantName).toBe("acme");
    expect(await store.tokens.verify("ll_other")).toBeUndefined();
    expect(await store.tokens.revokeAll("acme", now)).toBe(1);
    expect(await store.tokens.verify(token)).toBeUndefined();
  });
});
