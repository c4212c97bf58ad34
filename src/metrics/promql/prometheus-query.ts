// Instant queries over Prometheus's HTTP API (GET /api/v1/query), answers checked with zod.
import { z } from 'zod';
import { RuntimeError } from '../../errors.ts';

const answerSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export type QueryPrometheus = (promql: string) => Promise<Sample[]>;

/** A query function against the Prometheus at `baseUrl` (e.g. http://127.0.0.1:9090). */
export function prometheusQuery(baseUrl: string, opts: { timeoutMs?: number } = {}): QueryPrometheus {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  return async function queryPrometheus(promql: string): Promise<Sample[]> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: promql, timeout: `${Math.ceil(timeoutMs / 1000)}s` }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RuntimeError(`Prometheus at ${url.origin} did not answer: ${(error as Error).message}`, { cause: error });
    }
    const body: unknown = await response.json().catch(() => null);
    const parsed = answerSchema.safeParse(body);
    if (!response.ok || !parsed.success) {
      const reason = (body as { error?: unknown } | null)?.error;
      throw new RuntimeError(`Prometheus at ${url.origin} refused ${promql}: ${typeof reason === 'string' ? reason : `HTTP ${response.status}`}`);
    }
    return parsed.data.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
}
