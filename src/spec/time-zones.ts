/**
 * Which time zone names a tenant may write (spec.maintenanceWindow.timezone), as one rule
 * for validation, the rollout's maintenance windows and the fleet Alertmanager config.
 *
 * The name goes verbatim into the fleet's Alertmanager config, where Go's
 * time.LoadLocation reads it from tzdata case-sensitively. Intl ignores case and follows
 * aliases, so checking with Intl alone let 'europe/paris' through, and then `amtool
 * check-config` failed for every tenant at once. Only exact names are accepted: the
 * runtime's own list (Intl.supportedValuesOf, i.e. CLDR's canonical names) and "UTC",
 * which both Intl and Go know. "Local" is refused: Go reads it as the Alertmanager
 * host's zone, which is nobody's maintenance window.
 */
import { closest } from "./problems.js";

/**
 * Zones whose IANA name and CLDR name differ (IANA renamed them; CLDR kept the old one as
 * canonical). Node 20 lists only the CLDR name, a runtime that follows IANA lists only
 * the other, and tzdata holds both, so Go loads both. Both are accepted, so a spec that
 * was valid does not become invalid when Node is upgraded, and a tenant in India may
 * write Asia/Kolkata, the name its own systems show.
 */
const RENAMED: readonly (readonly [iana: string, cldr: string])[] = [
  ["Africa/Asmara", "Africa/Asmera"],
  ["America/Argentina/Buenos_Aires", "America/Buenos_Aires"],
  ["America/Argentina/Catamarca", "America/Catamarca"],
  ["America/Argentina/Cordoba", "America/Cordoba"],
  ["America/Argentina/Jujuy", "America/Jujuy"],
  ["America/Argentina/Mendoza", "America/Mendoza"],
  ["America/Atikokan", "America/Coral_Harbour"],
  ["America/Indiana/Indianapolis", "America/Indianapolis"],
  ["America/Kentucky/Louisville", "America/Louisville"],
  ["America/Nuuk", "America/Godthab"],
  ["Asia/Ho_Chi_Minh", "Asia/Saigon"],
  ["Asia/Kathmandu", "Asia/Katmandu"],
  ["Asia/Kolkata", "Asia/Calcutta"],
  ["Asia/Yangon", "Asia/Rangoon"],
  ["Atlantic/Faroe", "Atlantic/Faeroe"],
  ["Europe/Kyiv", "Europe/Kiev"],
  ["Pacific/Chuuk", "Pacific/Truk"],
  ["Pacific/Kanton", "Pacific/Enderbury"],
  ["Pacific/Pohnpei", "Pacific/Ponape"],
];

const EXAMPLE_FIX = "use the canonical IANA name of the tenant's location, e.g. Europe/Paris, or UTC";
/** The longest IANA name has 32 characters; anything far longer is not worth echoing. */
const PRINTABLE_NAME = /^[\x21-\x7e]{1,64}$/;

function intlKnows(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The name Intl resolves `timeZone` to (following aliases, ignoring case), if it knows it. */
function intlCanonical(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

let accepted: { exact: ReadonlySet<string>; byLowerCase: ReadonlyMap<string, string> } | undefined;

/** Built on first use: Intl's list costs a few milliseconds that commands without tenants should not pay. */
function acceptedNames(): NonNullable<typeof accepted> {
  if (!accepted) {
    const names = new Set<string>(["UTC", ...Intl.supportedValuesOf("timeZone")]);
    for (const pair of RENAMED) for (const name of pair) if (intlKnows(name)) names.add(name);
    accepted = { exact: names, byLowerCase: new Map([...names].map((n) => [n.toLowerCase(), n])) };
  }
  return accepted;
}

/** Every name the check accepts, sorted: for tests that hand them all to Alertmanager. */
export function acceptedTimeZones(): string[] {
  return [...acceptedNames().exact].sort();
}

/**
 * Why `timeZone` may not be a tenant's time zone, with the fix; undefined when it may.
 * The one check for every place that reads a tenant's time zone.
 */
export function timeZoneProblem(timeZone: string): { message: string; fix: string } | undefined {
  const { exact, byLowerCase } = acceptedNames();
  if (exact.has(timeZone)) return undefined;
  if (timeZone.trim() === "") return { message: "the time zone is empty", fix: EXAMPLE_FIX };
  if (!PRINTABLE_NAME.test(timeZone)) {
    return { message: "not a time zone name (IANA names are at most 32 characters, without spaces or control characters)", fix: EXAMPLE_FIX };
  }
  if (timeZone.toLowerCase() === "local") {
    return { message: "'Local' is the Alertmanager server's own time zone, not the tenant's", fix: EXAMPLE_FIX };
  }
  const sameIgnoringCase = byLowerCase.get(timeZone.toLowerCase());
  if (sameIgnoringCase !== undefined) {
    return {
      message: `'${timeZone}' differs from the time zone '${sameIgnoringCase}' in case: names are case-sensitive, and Alertmanager refuses this spelling`,
      fix: `use the canonical IANA name '${sameIgnoringCase}'`,
    };
  }
  const canonical = intlCanonical(timeZone);
  if (canonical !== undefined && exact.has(canonical)) {
    return { message: `'${timeZone}' is an alias, not a canonical time zone name`, fix: `use the canonical IANA name '${canonical}'` };
  }
  if (canonical !== undefined && /^Etc\/GMT[+-]\d+$/.test(canonical)) {
    // Fixed offsets, with inverted signs (Etc/GMT+5 is UTC-5), follow no location's daylight saving time.
    return { message: `'${timeZone}' is a fixed-offset zone, not a location's time zone`, fix: EXAMPLE_FIX };
  }
  const guess = closest(timeZone, [...exact]);
  return { message: `'${timeZone}' is not a known time zone`, fix: guess === undefined ? EXAMPLE_FIX : `did you mean '${guess}'? ${EXAMPLE_FIX}` };
}
