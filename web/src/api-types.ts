// The API's answers as the dashboard reads them: the types the server's zod schemas produce
// (src/api/schemas, which import zod only), never copies. Type imports only: nothing of the
// server's code is bundled.
export type { AuditEntryJson, AuditVerificationJson, SecretListingJson, SecretOverviewJson, SecretValueJson, SecretVersionJson, TokenJson } from '../../src/api/schemas/admin-schemas.ts';
export type { DomainJson, DoraJson, DoraPeriodJson } from '../../src/api/schemas/observe-schemas.ts';
export type { ProjectJson, ProjectStatusJson } from '../../src/api/schemas/project-schemas.ts';
