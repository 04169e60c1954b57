/** Reading a TXT record set: the seam between the domain challenge and whoever serves DNS. */
import type { TxtAnswer } from "../../spec/custom-domains.js";

export interface TxtLookup {
  /** Where the answer comes from, for messages ("resolver 127.0.0.1:53", "Azure DNS zone x"). */
  describe(name: string): string;
  lookup(name: string, signal?: AbortSignal): Promise<TxtAnswer>;
}
