/**
 * An API route as data: method, path, schemas, who may call it, and the handler. The app
 * registers them, the OpenAPI document is generated from them, and the isolation test walks
 * them all; so a route cannot exist without being documented and tested for tenants.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { InputError } from "../errors.js";
import { issuesToProblems } from "../spec/problems.js";
import type { Session } from "./auth.js";
import type { Principal } from "./principal.js";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Call<P, Q, B> {
  readonly principal: Principal;
  /** The browser session the call came with, if any. */
  readonly session?: Session | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface Answer {
  readonly status?: number;
  readonly body: unknown;
}

export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  readonly method: Method;
  /** Fastify syntax: /api/v1/tenants/:name */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /**
   * operator: operators only; scoped: operators, and tenants for their own tenant (checked
   * in the handler); public: no credentials (logging in).
   */
  readonly access: "operator" | "scoped" | "public";
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** The body as documented, when it is checked in two stages (see schemas.ts). */
  readonly bodyDoc?: z.ZodType;
  readonly response: z.ZodType;
  readonly status?: number;
  /** text/event-stream instead of JSON: the handler writes the reply itself and returns undefined. */
  readonly stream?: boolean;
  handler(call: Call<P, Q, B>): Promise<Answer | undefined>;
}

/** Erases a route's types so routes of different shapes share one list. */
export function route<P, Q, B>(r: ApiRoute<P, Q, B>): ApiRoute {
  // Sound for the app: each handler gets what its own schemas parsed.
  return r;
}

/** Parses one part of a request; a mismatch is an InputError naming `where.field` and the fix. */
export function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: "params" | "query" | "body"): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (r.success) return r.data;
  throw new InputError(issuesToProblems(schema, r.error.issues, { pathPrefix: where }));
}
