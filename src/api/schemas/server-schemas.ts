// The server's own routes: health, the caller, the data plane, this API's description.
import { z } from 'zod';

export const healthSchema = z.object({ ok: z.literal(true) }).meta({ id: 'Health' });
export const stoppedSchema = z.object({ stopped: z.boolean() });
export const openApiSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }).describe('an OpenAPI 3.1 document');
