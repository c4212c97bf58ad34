// Which form field an API refusal is about, so a form shows the API's own message beside that
// field: a key of the error's `details` (the server names the refused parameter there, e.g.
// {percent: 150}), else the parameter the message starts with (`since: …`, `--steps 5,3: …`,
// `release must be …`). Anything else belongs to the whole form.
import { ApiError } from './api-client.ts';

export interface FieldError {
  field: string | null;
  message: string;
}

export function fieldError(error: unknown, fields: readonly string[]): FieldError {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ApiError) || error.status !== 400) return { field: null, message };
  const byDetails = fields.find((f) => Object.hasOwn(error.details, f));
  if (byDetails !== undefined) return { field: byDetails, message };
  const lead = /^(?:--)?([a-zA-Z]+)\b/.exec(message)?.[1];
  return { field: fields.find((f) => f === lead) ?? null, message };
}

/** The id of the element holding a field's message (aria-describedby of the field). */
export function errorIdOf(form: string, field: string): string {
  return `${form}-${field}-error`;
}
