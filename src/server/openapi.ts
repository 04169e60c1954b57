/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (z.toJSONSchema), the
 * same schemas requests are checked with; the Tenant schema is the CLI's own.
 */
import { z } from "zod";
import type { ApiRoute } from "./route.js";
import { errorBody } from "./schemas.js";

type Json = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: "input" | "output"): Json => {
  const js = { ...(z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json) };
  // The document says its dialect once (OpenAPI 3.1 is JSON Schema 2020-12).
  delete js.$schema;
  return js;
};

function parameters(schema: z.ZodType | undefined, where: "path" | "query"): Json[] {
  if (!schema) return [];
  const js = toSchema(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (js.required ?? []).includes(name),
    schema: s,
    ...(typeof s.description === "string" ? { description: s.description } : {}),
  }));
}

export function openApiDocument(routes: readonly ApiRoute[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const error = toSchema(errorBody, "output");
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, "{$1}");
    const ok = String(r.status ?? 200);
    const body = r.bodyDoc ?? r.body;
    const responses: Record<string, Json> = {
      [ok]: r.stream
        ? { description: "text/event-stream", content: { "text/event-stream": { schema: { type: "string", description: "events: snapshot, progress, end; data is JSON (snapshot and end: the schema below)" } }, "application/json": { schema: toSchema(r.response, "output") } } }
        : { description: "OK", content: { "application/json": { schema: toSchema(r.response, "output") } } },
      "400": { description: "invalid input: each problem with the field and the fix", content: { "application/json": { schema: error } } },
      ...(r.access === "public" ? {} : { "401": { description: "no valid credentials", content: { "application/json": { schema: error } } } }),
      ...(r.access === "operator" ? { "403": { description: "operators only", content: { "application/json": { schema: error } } } } : {}),
      "404": { description: "not found (also: another tenant's resource, for a tenant user)", content: { "application/json": { schema: error } } },
      "409": { description: "refused by the current state; the message says the way forward", content: { "application/json": { schema: error } } },
      "429": { description: "rate limited", content: { "application/json": { schema: error } } },
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, "").replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`,
      "x-landlord-access": r.access,
      parameters: [...parameters(r.params, "path"), ...parameters(r.query, "query")],
      ...(body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(body, "input") } } } } : {}),
      ...(r.access === "public" ? { security: [] } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Landlord API",
      version,
      description: "Tenants, their workflows and live progress. Operators reach the fleet; a tenant token reaches only its own tenant (other tenants' resources answer 404).",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an operator token, or a tenant API token" },
        session: { type: "apiKey", in: "cookie", name: "landlord_session", description: "browser session from POST /api/v1/session; writes also need X-CSRF-Token" },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
