// JSON columns read back from the store are checked against their shape, never cast: a record
// written by another version (or edited by hand) fails with a coded error naming it.
import type { z } from 'zod';
import { ErrorCode, SluiceError } from '../errors.ts';

export class StoredDataError extends SluiceError {
  constructor(record: string, problem: string) {
    super(ErrorCode.storedDataInvalid, `stored data of ${record} is invalid: ${problem}`, { details: { record, problem } });
  }
}

export function parseStored<S extends z.ZodType>(schema: S, json: string, record: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new StoredDataError(record, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new StoredDataError(record, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
