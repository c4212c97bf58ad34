// The environment's alerts (sluice.yaml `alerts:`) and their state: the value against the
// threshold, since when, and the last change with its reason (or why this server cannot evaluate it).
import type { AlertJson } from '../../../src/api/schemas/observe-schemas.ts';

const figure = (n: number | null): string => (n === null ? '—' : Number(n.toPrecision(4)).toString());

export function AlertsSection({ alerts }: { alerts: readonly AlertJson[] }) {
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {alerts.length === 0 ? (
        <p class="muted">No alerts configured for this environment.</p>
      ) : (
        <div class="scroll" role="region" aria-labelledby="alerts-title" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">State</th>
                <th scope="col">Value</th>
                <th scope="col">Condition</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.name}>
                  <td>{a.name}</td>
                  <td>
                    <span class={`state state-${a.state}`}>{a.state}</span>
                    {a.since && <span class="muted"> since {new Date(a.since).toLocaleTimeString()}</span>}
                  </td>
                  <td>
                    {figure(a.value)} <span class="muted">({a.samples} samples)</span>
                  </td>
                  <td>
                    {a.metric} {a.comparison} {figure(a.threshold)} for {a.forSeconds} s → {a.action}
                  </td>
                  <td>{a.unevaluated !== undefined ? `not evaluated: ${a.unevaluated}` : a.lastChange ? `${a.lastChange.from} → ${a.lastChange.to}: ${a.lastChange.reason}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
