import { expect, test } from "vitest";
import { renderBundle } from "../src/render/bundle.js";
import { validateObjects } from "../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile } from "./support/fixtures.js";

test("smoke", async () => {
  const ctx = platform();
  const tenants = fleet(ctx, [tenantFile("acme"), tenantFile("globex", { tier: "medium" }), tenantFile("initech", { tier: "large" })]);
  const crds = await sharedCrds();
  for (const t of tenants) {
    const b = renderBundle(ctx.config, t);
    const v = validateObjects(b.objects, crds);
    console.log(t.tenant.metadata.name, b.objects.length, v);
    expect(v).toEqual([]);
  }
});
