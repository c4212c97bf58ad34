// Scrape-time figures of the store: runs by state, the queue, and certificate expiry.
import type { CertificateRecord } from '../certificates/certificate-record.ts';
import type { Store } from '../store/store.ts';
import type { Series } from './series.ts';

export type StoreSource = Pick<Store, 'countRunsByState' | 'listCertificates'>;

export async function collectStore(store: StoreSource): Promise<Series[]> {
  const [runs, certificates] = await Promise.all([store.countRunsByState(), store.listCertificates()]);
  const out: Series[] = [];
  const queued = new Map<string, number>();
  for (const r of runs) {
    out.push({ metric: 'runs', labels: { project: r.project, state: r.state }, value: r.count });
    queued.set(r.project, (queued.get(r.project) ?? 0) + (r.state === 'queued' ? r.count : 0));
  }
  for (const [project, n] of queued) out.push({ metric: 'runQueueDepth', labels: { project }, value: n });
  for (const c of certificates) {
    const series = certificateSeries(c);
    if (series) out.push(series);
  }
  return out;
}

/** A certificate without a chain yet (ordering) has no expiry to show. */
function certificateSeries(c: CertificateRecord): Series | null {
  if (c.notAfter === null) return null;
  const at = Date.parse(c.notAfter);
  if (!Number.isFinite(at)) return null;
  const domain = [...c.domains].sort()[0] ?? '';
  return { metric: 'certificateExpiry', labels: { certificate: c.id, domain, source: c.source, state: c.state }, value: at / 1000 };
}
