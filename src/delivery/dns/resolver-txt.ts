/**
 * TXT lookups through recursive resolvers (the customer's domain lives in the customer's
 * DNS). Configured servers, else the system's; NXDOMAIN and NODATA both mean "not there yet".
 */
import { Resolver } from "node:dns/promises";
import type { TxtAnswer } from "../../spec/custom-domains.js";
import type { TxtLookup } from "./txt-lookup.js";

const ABSENT = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "NODATA"]);

export function resolverTxtLookup(servers: readonly string[] = [], timeoutMs = 3_000): TxtLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  const where = servers.length > 0 ? `resolver ${servers.join(", ")}` : "the system resolver";
  return {
    describe: (name) => `TXT ${name} via ${where}`,
    async lookup(name): Promise<TxtAnswer> {
      try {
        const records = await resolver.resolveTxt(name);
        // A TXT record may arrive split into 255-byte strings; its value is their concatenation.
        return { kind: "records", values: records.map((chunks) => chunks.join("")) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (ABSENT.has(code)) return { kind: "none" };
        return { kind: "error", message: `${code || "error"} from ${where}` };
      }
    },
  };
}
