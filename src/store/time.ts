/** Timestamps cross the store boundary as Date and are stored as fixed-width ISO text. */
import type { IsoTime } from "./schema.js";

export function toIso(d: Date): IsoTime {
  // toISOString throws on an invalid Date, which is what we want: never store "Invalid Date".
  return d.toISOString();
}

export function fromIso(s: IsoTime): Date {
  return new Date(s);
}

export function fromIsoOrNull(s: IsoTime | null): Date | null {
  return s === null ? null : new Date(s);
}

export function addMs(d: Date, ms: number): Date {
  return new Date(d.getTime() + ms);
}
