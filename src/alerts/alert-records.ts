// What the store keeps of alerts: the state of each (project, environment, alert), so a
// restarted control plane goes on from pending or firing, and every change of state with the
// figure that caused it. Checked with zod when read back, like every stored record.
import { z } from 'zod';
import { ALERT_METRICS } from '../spec/alert-spec.ts';

export const ALERT_STATES = ['ok', 'pending', 'firing', 'inconclusive'] as const;
export const alertStateSchema = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof alertStateSchema>;

export const alertChangeSchema = z.object({
  project: z.string().min(1),
  environment: z.string().min(1),
  name: z.string().min(1),
  at: z.string().min(1),
  from: alertStateSchema,
  to: alertStateSchema,
  metric: z.enum(ALERT_METRICS),
  comparison: z.enum(['above', 'below']),
  /** The figure (errorRate a fraction, latency ms, counts); null when there was none to take. */
  value: z.number().nullable(),
  threshold: z.number(),
  windowMs: z.number().int().min(0),
  /** Requests in the window (restarts: instances watched). */
  samples: z.number().int().min(0),
  /** The live release when it changed. */
  release: z.number().int().nullable(),
  /** One line for people: "errorRate 31.20% > 2.00% over 10s (1843 requests)". */
  reason: z.string(),
});
export type AlertChange = z.infer<typeof alertChangeSchema>;

export const alertStateRecordSchema = z.object({
  project: z.string().min(1),
  environment: z.string().min(1),
  name: z.string().min(1),
  state: alertStateSchema,
  /** When the current state began (pending: when the breach began). */
  since: z.string().min(1),
  value: z.number().nullable(),
  threshold: z.number(),
  samples: z.number().int().min(0),
  /** The release this alert rolled back (at most once per release); null: none. */
  rolledBackRelease: z.number().int().nullable(),
  lastChange: alertChangeSchema.nullable(),
});
export type AlertStateRecord = z.infer<typeof alertStateRecordSchema>;

export interface AlertStateFilter {
  project?: string;
  environment?: string;
}

/** The part of the Store alerts need (src/store/store.ts implements it). */
export interface AlertRecords {
  listAlertStates(filter: AlertStateFilter): Promise<AlertStateRecord[]>;
  /** Writes the state and, when given, appends its change, in one transaction. */
  putAlertState(state: AlertStateRecord, change?: AlertChange): Promise<void>;
  /** Newest first. */
  listAlertChanges(filter: AlertStateFilter & { name?: string; limit: number }): Promise<AlertChange[]>;
}
