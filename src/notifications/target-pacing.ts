// How often one target may be posted to: at most `perMinute` attempts a minute, with a burst of
// `burst` at once (the generic cell rate algorithm: one "theoretical arrival time" per target).
// An attempt over the limit is not dropped: the delivery is put off to a later slot, each one
// put off after the previous one, so a burst drains at the target's rate. Slack documents about
// one message a second per incoming webhook (https://api.slack.com/apis/rate-limits), hence 60
// a minute for `slack`. Counted per server: the outbox's claims spread a target's deliveries
// over the servers that work it.
import type { NotificationFormat } from '../spec/notification-schema.ts';

export interface TargetRate {
  perMinute: number;
  burst: number;
}

export const defaultTargetRates: Readonly<Record<NotificationFormat, TargetRate>> = {
  slack: { perMinute: 60, burst: 3 },
  webhook: { perMinute: 600, burst: 10 },
};

export class TargetPacing {
  private readonly rates: Readonly<Record<NotificationFormat, TargetRate>>;
  /** target → theoretical arrival time of its next attempt (ms). */
  private readonly tat = new Map<string, number>();
  /** target → the latest slot a delivery was put off to (ms). */
  private readonly putOff = new Map<string, number>();

  constructor(rates: Partial<Record<NotificationFormat, TargetRate>> = {}) {
    this.rates = { ...defaultTargetRates, ...rates };
  }

  /** Null when an attempt to `target` may go now (and counts it), else when to try instead. */
  take(target: string, format: NotificationFormat, now: number): number | null {
    const { perMinute, burst } = this.rates[format];
    const interval = 60_000 / perMinute;
    const tat = Math.max(this.tat.get(target) ?? now, now);
    const allowAt = tat - (burst - 1) * interval;
    if (allowAt <= now) {
      this.tat.set(target, tat + interval);
      this.forget(now);
      return null;
    }
    const slot = Math.max(allowAt, (this.putOff.get(target) ?? 0) + interval);
    this.putOff.set(target, slot);
    return Math.ceil(slot);
  }

  /** Targets quiet for a while are forgotten: the maps hold only those recently posted to. */
  private forget(now: number): void {
    if (this.tat.size < 1024) return;
    for (const [target, t] of this.tat) if (t < now - 60_000) this.tat.delete(target);
    for (const [target, t] of this.putOff) if (t < now - 60_000) this.putOff.delete(target);
  }
}
