// Shapes shared by every route group: the error answer, path parameters, and request fields whose
// refusal names the field the way the handlers always have (tests and scripts read those messages).
// Imports zod only, so that the web UI can bundle these modules.
import { z } from 'zod';

/** Every refusal and failure: `{code, message, details?}` (codes in src/errors.ts, statuses in src/api/error-status.ts). */
export const apiErrorSchema = z
  .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'ApiError', description: 'A refusal or failure; `code` is stable (invalid_input, unauthenticated, forbidden, not_found, conflict, …).' });
export type ApiErrorJson = z.output<typeof apiErrorSchema>;

/** The error answers every route may give. */
export const errorResponses = { '4xx': apiErrorSchema, '5xx': apiErrorSchema } as const;

export const projectParams = z.object({ name: z.string().describe('project name') });
export const environmentParams = z.object({ name: z.string().describe('project name'), env: z.string().describe('environment name') });
export const runParams = z.object({ id: z.string().describe('run id, or PROJECT#NUMBER') });

/** A string the handler requires: missing, null and '' are refused as "KEY is required". */
export function requiredText(key: string, message = `${key} is required`): z.ZodString {
  return z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? message : `${key} must be a string`) }).min(1, message);
}

/** A string the handler may go without (null and '' count as absent). */
export function optionalText(key: string): z.ZodOptional<z.ZodNullable<z.ZodString>> {
  return z.string({ error: `${key} must be a string` }).nullish();
}

/** A query-string value; its range is checked by the handler, whose message names it. */
export const queryText = z.string().optional();

