/** The release and rollout tables on both backends: written once, one active rollout per app held by the database, writes fenced by the run's lease. */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/errors.js";
import { releasesRepo } from "../../src/store/releases-repo.js";
import { rolloutsRepo } from "../../src/store/rollouts-repo.js";
import { BACKENDS, unique, useBackend } from "../store/support/backends.js";

describe.each(BACKENDS)("release and rollout tables on $name", (factory) => {
  const backend = useBackend(factory);
  const now = new Date("2026-11-27T10:00:00.000Z");

  it("a release is written once; a second one of the same version is a conflict", async () => {
    const store = await backend.open();
    const version = unique("1.0");
    const r = await releasesRepo(store.db).create({ version, image: "reg.example.com/app", config: { env: { A: "1" } }, createdBy: "me", now });
    expect(await releasesRepo(store.db).require(version)).toEqual(r);
    await expect(releasesRepo(store.db).create({ version, createdBy: "me", now })).rejects.toThrow(ConflictError);
    await expect(releasesRepo(store.db).require(unique("nope"))).rejects.toThrow(/landlord release create/);
  });

  it("one active rollout per app, held by a unique index even for a writer that skips the check", async () => {
    const store = await backend.open();
    const version = unique("2.0");
    await releasesRepo(store.db).create({ version, createdBy: "me", now });
    const app = unique("app");
    const base = { app, releaseVersion: version, settings: {}, skipped: [], actor: "me", targets: [{ tenant: "a", wave: 0, waveName: "canary", position: 0 }], now };
    const first = await rolloutsRepo(store.db).create({ ...base, id: unique("ro") });
    await expect(rolloutsRepo(store.db).create({ ...base, id: unique("ro") })).rejects.toThrow(/one rollout per app/);
    const raw = sql`insert into rollouts (id, app, release_version, state, settings, skipped, actor, created_at, updated_at) values (${unique("ro")}, ${app}, ${version}, 'Paused', '{}', '[]', 'x', ${now.toISOString()}, ${now.toISOString()})`;
    await expect(raw.execute(store.db)).rejects.toThrow(/unique|UNIQUE/);
    // Once it has ended, the next one may start.
    expect(await rolloutsRepo(store.db).setControl(first.id, { state: "Running", requested: null }, { state: "Aborted", requested: null }, now)).toBe(true);
    await expect(rolloutsRepo(store.db).create({ ...base, id: unique("ro") })).resolves.toMatchObject({ state: "Running" });
  });

  it("runner writes need the run's lease; control changes are guarded by the state they expect", async () => {
    const store = await backend.open();
    const version = unique("3.0");
    await releasesRepo(store.db).create({ version, createdBy: "me", now });
    const r = await rolloutsRepo(store.db).create({ id: unique("ro"), app: unique("app"), releaseVersion: version, settings: {}, skipped: [], actor: "me", targets: [{ tenant: "a", wave: 0, waveName: "canary", position: 0 }], now });
    const wf = await store.workflows.create({ kind: "rollout", tenantName: `rollout/${r.id}`, input: { rolloutId: r.id }, steps: ["drive"], now });
    expect(await store.workflows.acquireLease(wf.id, "owner-1", 30_000, now)).toBe(true);
    const repo = rolloutsRepo(store.db, store.backend);
    expect(await repo.updateTarget({ workflowId: wf.id, owner: "owner-2" }, r.id, "a", { state: "applying", previousSpec: { x: 1 }, markChanged: true }, now)).toBe(false);
    expect(await repo.updateTarget({ workflowId: wf.id, owner: "owner-1" }, r.id, "a", { state: "applying", previousSpec: { x: 1 }, markChanged: true }, now)).toBe(true);
    expect((await repo.targets(r.id))[0]).toMatchObject({ state: "applying", previousSpec: { x: 1 }, changedSeq: 1 });
    expect(await repo.setControl(r.id, { state: "Paused", requested: null }, { state: "Running", requested: null }, now)).toBe(false);
    expect((await repo.events(r.id)).map((e) => e.message)).toEqual([expect.stringContaining("planned: 1 tenants") as unknown]);
  });
});
