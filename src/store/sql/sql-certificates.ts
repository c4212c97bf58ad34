// Certificates and ACME accounts in SQL. Rows are checked with zod on read: a row edited by hand
// or written by another version fails with a coded error naming it, never a cast.
import type { Kysely } from 'kysely';
import { acmeAccountRecordSchema, type AcmeAccountRecord } from '../../certificates/acme-account-record.ts';
import { certificateRecordSchema, type CertificateRecord } from '../../certificates/certificate-record.ts';
import { StoredDataError } from '../stored-json.ts';
import type { CertificateRow, Database } from './database.ts';

function toRow(rec: CertificateRecord): CertificateRow {
  const { domains, ...rest } = rec;
  return { ...rest, domainsJson: JSON.stringify(domains) };
}

function fromRow(row: CertificateRow): CertificateRecord {
  const { domainsJson, ...rest } = row;
  let domains: unknown;
  try {
    domains = JSON.parse(domainsJson);
  } catch {
    throw new StoredDataError(`certificate ${row.id}`, 'domains: not JSON');
  }
  const parsed = certificateRecordSchema.safeParse({ ...rest, domains, failures: Number(rest.failures) });
  if (!parsed.success) throw new StoredDataError(`certificate ${row.id}`, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}

export async function listCertificateRows(db: Kysely<Database>): Promise<CertificateRecord[]> {
  return (await db.selectFrom('certificates').selectAll().orderBy('id').execute()).map(fromRow);
}

export async function getCertificateRow(db: Kysely<Database>, id: string): Promise<CertificateRecord | undefined> {
  const row = await db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** Inserts or replaces the record with this id (validated first: nothing invalid is written). */
export async function putCertificateRow(db: Kysely<Database>, rec: CertificateRecord): Promise<void> {
  const row = toRow(certificateRecordSchema.parse(rec));
  const { id: _id, ...update } = row;
  await db.insertInto('certificates').values(row).onConflict((oc) => oc.column('id').doUpdateSet(update)).execute();
}

export async function deleteCertificateRow(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('certificates').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function getAcmeAccountRow(db: Kysely<Database>, directoryUrl: string): Promise<AcmeAccountRecord | undefined> {
  const row = await db.selectFrom('acmeAccounts').selectAll().where('directoryUrl', '=', directoryUrl).executeTakeFirst();
  if (row === undefined) return undefined;
  const parsed = acmeAccountRecordSchema.safeParse(row);
  if (!parsed.success) throw new StoredDataError(`ACME account of ${directoryUrl}`, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}

export async function putAcmeAccountRow(db: Kysely<Database>, account: AcmeAccountRecord): Promise<void> {
  const row = acmeAccountRecordSchema.parse(account);
  const { directoryUrl: _directoryUrl, ...update } = row;
  await db.insertInto('acmeAccounts').values(row).onConflict((oc) => oc.column('directoryUrl').doUpdateSet(update)).execute();
}
