/**
 * Interactive onboarding: each answer is checked as soon as it is typed, with the same
 * rules the spec is validated by (a candidate spec is resolved and only the problems of
 * the field just asked are shown), plus what only the store knows (a name or a domain
 * already taken). A wrong answer is asked again; nothing typed before is lost. Ctrl-C
 * ends it (exit 130) with nothing written.
 */
import { formatProblem, InputError, type InputProblem } from "../../errors.js";
import { claimPolicy } from "../../spec/custom-domains.js";
import { resolveTenant } from "../../spec/resolve.js";
import { domainClaimsRepo, lapseNote } from "../../store/domain-claims.js";
import type { CliIo } from "../io.js";
import type { Runtime } from "../../app/runtime.js";
import type { OnboardOptions } from "./tenants.js";

/** Attempts per question before giving up (a script piping wrong answers must not loop forever). */
const MAX_TRIES = 5;

interface Draft {
  name: string;
  tier: string;
  domains: string[];
  email: string;
  displayName: string;
}

function specOf(d: Draft): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name: d.name },
    spec: { displayName: d.displayName === "" ? d.name : d.displayName, tier: d.tier, domains: d.domains, contacts: { email: d.email } },
  };
}

/** Problems of the candidate spec on `paths` only (other fields may not be answered yet). */
function problemsOf(rt: Runtime, d: Draft, paths: readonly string[]): InputProblem[] {
  const r = resolveTenant(rt.services.platform, { file: "answers", index: 0, value: specOf(d) });
  if (r.ok) return [];
  return r.problems.filter((p) => paths.some((path) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`)));
}

export function splitDomains(answer: string): string[] {
  return answer
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter((d) => d !== "");
}

async function askUntilValid(io: CliIo, question: string, check: (answer: string) => Promise<InputProblem[]>, flag: string): Promise<string> {
  const prompt = io.prompt;
  if (!prompt) throw new InputError([{ path: flag, message: "missing", fix: `pass ${flag}` }]);
  let last: InputProblem[] = [];
  for (let i = 0; i < MAX_TRIES; i++) {
    const answer = await prompt(question);
    last = answer === "" ? [{ path: flag, message: "an answer is needed", fix: `type a value, or pass ${flag}` }] : await check(answer);
    if (last.length === 0) return answer;
    for (const p of last) io.stderr(`  ${formatProblem({ path: p.path, message: p.message, fix: p.fix })}\n`);
  }
  throw new InputError(last);
}

export async function askTenant(io: CliIo, rt: Runtime, name: string | undefined, opts: OnboardOptions): Promise<Record<string, unknown>> {
  const tiers = Object.keys(rt.services.platform.config.tiers);
  const d: Draft = { name: name ?? "", tier: opts.tier ?? tiers[0] ?? "", domains: opts.domain ?? [], email: opts.contact ?? "ops@example.com", displayName: opts.displayName ?? "" };
  const asked = { tier: opts.tier !== undefined, domains: (opts.domain?.length ?? 0) > 0, email: opts.contact !== undefined };

  if (name === undefined) {
    d.name = await askUntilValid(
      io,
      "Tenant name (a DNS label, e.g. acme): ",
      async (answer) => {
        const problems = problemsOf(rt, { ...d, name: answer, domains: [] }, ["metadata.name"]);
        if (problems.length > 0) return problems;
        const existing = await rt.store.tenants.get(answer);
        if (existing && existing.phase !== "Offboarded" && existing.phase !== "Failed") {
          return [{ path: "NAME", message: `tenant '${answer}' already exists (phase ${existing.phase})`, fix: "choose another name, or change it with landlord update" }];
        }
        return [];
      },
      "NAME",
    );
  }
  if (!asked.tier) {
    d.tier = await askUntilValid(io, `Tier (${tiers.join(", ")}): `, (answer) => Promise.resolve(problemsOf(rt, { ...d, tier: answer }, ["spec.tier"])), "--tier");
  }
  if (!asked.domains) {
    const answer = await askUntilValid(
      io,
      "Domains (one or more, separated by commas or spaces): ",
      async (a) => {
        const domains = splitDomains(a);
        const problems = problemsOf(rt, { ...d, domains }, ["spec.domains"]);
        if (problems.length > 0) return problems;
        const taken: InputProblem[] = [];
        const claims = domainClaimsRepo(rt.store.db, claimPolicy(rt.services.platform.config));
        for (const [i, domain] of domains.entries()) {
          const holder = await claims.holder(domain, new Date());
          if (holder !== undefined && holder.tenantName !== d.name) taken.push({ path: `spec.domains[${i}]`, message: `'${domain}' is already claimed by tenant '${holder.tenantName}'${lapseNote(holder)}`, fix: "use another domain" });
        }
        return taken;
      },
      "--domain",
    );
    d.domains = splitDomains(answer);
  }
  if (!asked.email) {
    d.email = await askUntilValid(io, "Contact email for alerts: ", (answer) => Promise.resolve(problemsOf(rt, { ...d, email: answer }, ["spec.contacts"])), "--contact");
  }
  return specOf(d);
}
