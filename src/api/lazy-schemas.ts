// Route schemas built on first use. A route names its schemas through handles; the module that
// builds them is imported when a request first needs one (its body, parameters or query), and the
// answer schemas, which only the OpenAPI document reads, are never built in a server nobody asks for
// that document. About 1,000 zod schemas an idle server would otherwise hold
// (docs/decisions/0058-idle-server-builds-schemas-on-use.md).
import type { z } from 'zod';

/** One schema of a module not yet imported. Fastify takes it as a custom schema object. */
export class LazySchema<T extends z.ZodType = z.ZodType> {
  readonly #importSchema: () => Promise<T>;
  #schema: T | undefined;
  #loading: Promise<T> | undefined;

  constructor(importSchema: () => Promise<T>) {
    this.#importSchema = importSchema;
  }

  /** The schema once loaded, else undefined. */
  get loaded(): T | undefined {
    return this.#schema;
  }

  load(): Promise<T> {
    this.#loading ??= this.#importSchema().then(
      (schema) => (this.#schema = schema),
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }
}

/** A route's schema: built already (shared shapes such as path parameters) or on first use. */
export type RouteSchema<T extends z.ZodType = z.ZodType> = T | LazySchema<T>;

export type LazySchemasOf<M> = { readonly [K in keyof M as M[K] extends z.ZodType ? K : never]: M[K] extends z.ZodType ? LazySchema<M[K]> : never };

/**
 * Handles to the zod schemas a module exports, by their export names; the module is imported on
 * the first load() of any of them (the module loader keeps it for the others).
 */
export function lazySchemas<M extends object>(importModule: () => Promise<M>): LazySchemasOf<M> {
  const handles = new Map<string, LazySchema>();
  const handleOf = (key: string): LazySchema => {
    let handle = handles.get(key);
    if (!handle) {
      handle = new LazySchema(async () => {
        const schema = (await importModule())[key as keyof M];
        if (schema === undefined) throw new Error(`the schema module exports no ${key}`);
        return schema as z.ZodType;
      });
      handles.set(key, handle);
    }
    return handle;
  };
  return new Proxy({} as LazySchemasOf<M>, { get: (_target, key) => (typeof key === 'string' ? handleOf(key) : undefined) });
}

/** The schema itself, loading it if it is a handle. */
export async function schemaOf<T extends z.ZodType>(schema: RouteSchema<T>): Promise<T> {
  return schema instanceof LazySchema ? schema.load() : schema;
}
