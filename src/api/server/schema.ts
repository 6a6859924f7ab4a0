// Request bodies checked once, at the edge, the way dockerd's Go decoder checks them: a value of
// the wrong type is a 400 naming the field and both types; unknown fields are ignored and null is
// as good as absent (Go's encoding/json does both).
import { invalidArgument } from '../../errdefs/index.ts';

export type Check<T> = (v: unknown, field: string) => T;

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function wrong(v: unknown, field: string, goType: string): Error {
  return invalidArgument(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type ${goType}`);
}

export const str: Check<string | undefined> = (v, f) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrong(v, f, 'string');
  return v;
};

export const bool: Check<boolean | undefined> = (v, f) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrong(v, f, 'bool');
  return v;
};

export const int: Check<number | undefined> = (v, f) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong(v, f, 'int64');
  return v;
};

export const num: Check<number | undefined> = (v, f) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw wrong(v, f, 'float64');
  return v;
};

export function list<T>(item: Check<T>, goType = '[]string'): Check<NonNullable<T>[] | undefined> {
  return (v, f) => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw wrong(v, f, goType);
    return v.map((x, i) => item(x, `${f}[${i}]`)).filter((x): x is NonNullable<T> => x !== undefined && x !== null);
  };
}

export const strings = list(str);

/** A JSON object with string values (Labels, Options, DriverOpts). */
export const stringMap: Check<Record<string, string> | undefined> = (v, f) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrong(v, f, 'map[string]string');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw wrong(x, `${f}.${k}`, 'string');
    out[k] = x;
  }
  return out;
}

/** A JSON object whose values all pass `item` (PortBindings, EndpointsConfig). */
export function mapOf<T>(item: Check<T>, goType: string): Check<Record<string, T> | undefined> {
  return (v, f) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrong(v, f, goType);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, item(x, `${f}.${k}`)]));
  };
}

type Shape = Record<string, Check<unknown>>;
type Parsed<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** A struct: each named field checked by its check; others ignored. `name` is the Go type, for messages. */
export function object<S extends Shape>(name: string, shape: S): Check<Parsed<S> | undefined> {
  return (v, f) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrong(v, f || name, name);
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) out[k] = check(o[k], `${name}.${k}`);
    return out as Parsed<S>;
  };
}

/** Parses a request body with a struct check; an absent body is an empty struct. */
export function parseBody<S extends Shape>(check: Check<Parsed<S> | undefined>, body: unknown): Parsed<S> {
  return check(body ?? {}, '') as Parsed<S>;
}

/** Any JSON value, passed on as it is (fields berth stores without reading). */
export const anyValue: Check<unknown> = (v) => v;
