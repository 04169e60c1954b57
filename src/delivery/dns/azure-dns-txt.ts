/**
 * TXT lookups in Azure DNS zones through Azure Resource Manager, for custom domains whose
 * zone the platform hosts (a customer delegates a subdomain to the platform's Azure DNS).
 * Reading the record set through ARM sees it the moment it is written, without waiting
 * for resolver caches. Azure itself cannot run here: tests point `endpoint` at a local
 * server that answers as ARM does (docs/adr/0017).
 */
import type { TxtAnswer } from "../../spec/custom-domains.js";
import { isUnder } from "../../spec/hostnames.js";
import type { TxtLookup } from "./txt-lookup.js";

export interface AzureDnsSettings {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Zones hosted there; a domain outside all of them is not looked up here. */
  readonly zones: readonly string[];
  readonly endpoint: string;
}

/** A bearer token for Azure Resource Manager. */
export type ArmToken = (signal?: AbortSignal) => Promise<string>;

const API_VERSION = "2018-05-01";

/** The token of the machine's managed identity (Azure Instance Metadata Service), or $AZURE_ACCESS_TOKEN. */
export function managedIdentityToken(clientId?: string): ArmToken {
  return async (signal) => {
    const fromEnv = process.env.AZURE_ACCESS_TOKEN;
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const url = new URL("http://169.254.169.254/metadata/identity/oauth2/token");
    url.searchParams.set("api-version", "2018-02-01");
    url.searchParams.set("resource", "https://management.azure.com/");
    if (clientId !== undefined) url.searchParams.set("client_id", clientId);
    const res = await fetch(url, { headers: { Metadata: "true" }, signal: signal ?? AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`managed identity token: HTTP ${String(res.status)} from the instance metadata service`);
    const body = (await res.json()) as { access_token?: unknown };
    if (typeof body.access_token !== "string") throw new Error("managed identity token: no access_token in the answer");
    return body.access_token;
  };
}

/** The zone holding the name (longest match), and the record set's name relative to it. */
export function zoneOf(name: string, zones: readonly string[]): { zone: string; relative: string } | undefined {
  const zone = [...zones].map((z) => z.toLowerCase()).filter((z) => isUnder(name.toLowerCase(), z)).sort((a, b) => b.length - a.length)[0];
  if (zone === undefined) return undefined;
  const relative = name.toLowerCase() === zone ? "@" : name.toLowerCase().slice(0, -(zone.length + 1));
  return { zone, relative };
}

export function azureDnsTxtLookup(settings: AzureDnsSettings, token: ArmToken): TxtLookup {
  return {
    describe: (name) => `TXT ${name} in Azure DNS (${settings.resourceGroup})`,
    async lookup(name, signal): Promise<TxtAnswer> {
      const at = zoneOf(name, settings.zones);
      if (at === undefined) return { kind: "error", message: `no Azure DNS zone of ${settings.resourceGroup} holds ${name}` };
      const path = [
        "subscriptions", settings.subscriptionId, "resourceGroups", settings.resourceGroup,
        "providers", "Microsoft.Network", "dnsZones", at.zone, "TXT", at.relative,
      ].map(encodeURIComponent).join("/");
      const url = `${settings.endpoint.replace(/\/+$/, "")}/${path}?api-version=${API_VERSION}`;
      let res: Response;
      try {
        res = await fetch(url, { headers: { Authorization: `Bearer ${await token(signal)}`, Accept: "application/json" }, signal: signal ?? AbortSignal.timeout(10_000) });
      } catch (err) {
        return { kind: "error", message: `Azure DNS unreachable: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (res.status === 404) return { kind: "none" };
      if (!res.ok) return { kind: "error", message: `Azure DNS answered HTTP ${String(res.status)}${res.status === 403 ? " (the identity needs DNS Zone Reader on the zone)" : ""}` };
      const body = (await res.json()) as { properties?: { TXTRecords?: { value?: unknown }[] } };
      const values = (body.properties?.TXTRecords ?? []).map((r) => (Array.isArray(r.value) ? r.value.filter((v): v is string => typeof v === "string").join("") : ""));
      return values.length === 0 ? { kind: "none" } : { kind: "records", values };
    },
  };
}

/** Azure DNS for names in its zones, the resolver for everything else. */
export function chainedTxtLookup(azure: TxtLookup & { holds(name: string): boolean }, fallback: TxtLookup): TxtLookup {
  return {
    describe: (name) => (azure.holds(name) ? azure.describe(name) : fallback.describe(name)),
    lookup: (name, signal) => (azure.holds(name) ? azure.lookup(name, signal) : fallback.lookup(name, signal)),
  };
}
