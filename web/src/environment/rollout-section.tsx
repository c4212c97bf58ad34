// The environment's latest rollout: its state and weights, the new release's share of traffic
// over time, every analysis decision as a chart per metric and as a table (the charts' accessible
// alternative), and Promote and Abort while it is under way.
import { useState } from 'preact/hooks';
import type { RolloutDecisionJson, RolloutJson } from '../../../src/api/schemas/deploy-schemas.ts';
import { LineChart } from '../charts/line-chart.tsx';
import { ConfirmAction } from './confirm-action.tsx';
import { canaryWeightsOverTime, decisionsByMetric } from './rollout-history.ts';

const figure = (n: number | null): string => (n === null ? '—' : Number(n.toPrecision(4)).toString());
const clock = (iso: string): string => new Date(iso).toLocaleTimeString();
const stepName = (step: number | 'bake'): string => (step === 'bake' ? 'bake' : `step ${step + 1}`);

function DecisionCharts({ decisions, until }: { decisions: readonly RolloutDecisionJson[]; until: number }) {
  return (
    <>
      {[...decisionsByMetric(decisions)].map(([metric, list]) => {
        // The limits (maxErrorRate, maxP99) judge a statistic; the comparisons a p-value, which is
        // absent while there are too few samples (src/analysis/*-decisions.ts).
        const comparative = list.some((d) => d.pValue !== null) || !metric.startsWith('max');
        const value = (d: RolloutDecisionJson): number | null => (comparative ? d.pValue : d.statistic);
        const points = (pick: (d: RolloutDecisionJson) => number | null) =>
          list.flatMap((d) => {
            const v = pick(d);
            return v === null ? [] : [{ at: Date.parse(d.at), value: v }];
          });
        return (
          <LineChart
            key={metric}
            title={`${metric}: ${comparative ? 'p-value' : 'statistic'} and threshold per analysis look`}
            desc={`${list.length} decisions; ${list.filter((d) => d.verdict === 'fail').length} failed. Markers: green pass, red fail, amber inconclusive.`}
            tableId="decisions-table"
            until={until}
            series={[
              { name: comparative ? 'p-value' : 'statistic', points: points(value) },
              { name: 'threshold', points: points((d) => d.threshold), shape: 'step' },
            ]}
            markers={list.map((d) => ({ at: Date.parse(d.at), kind: d.verdict, label: `${clock(d.at)} ${d.verdict}: ${d.reason}` }))}
          />
        );
      })}
    </>
  );
}

/** Rows shown before "Show all": a long rollout keeps up to 500 decisions. */
const firstRows = 12;

function DecisionTable({ decisions }: { decisions: readonly RolloutDecisionJson[] }) {
  const [all, setAll] = useState(false);
  const rows = [...decisions].reverse().slice(0, all ? undefined : firstRows);
  return (
    <>
      <div class="scroll" role="region" aria-labelledby="decisions-caption" tabIndex={0}>
        <table id="decisions-table">
          <caption id="decisions-caption">Analysis decisions, newest first ({decisions.length})</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Step</th>
              <th scope="col">Metric</th>
              <th scope="col">Verdict</th>
              <th scope="col">Samples (canary / baseline)</th>
              <th scope="col">Statistic</th>
              <th scope="col">p-value</th>
              <th scope="col">Threshold</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d, i) => (
              <tr key={`${d.at}-${d.metric}-${i}`}>
                <td>
                  <time dateTime={d.at}>{clock(d.at)}</time>
                </td>
                <td>{stepName(d.step)}</td>
                <td>{d.metric}</td>
                <td class={`verdict verdict-${d.verdict}`}>{d.verdict}</td>
                <td>
                  {d.samples.canary} / {d.samples.baseline}
                </td>
                <td>{figure(d.statistic)}</td>
                <td>{figure(d.pValue)}</td>
                <td>{figure(d.threshold)}</td>
                <td>{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {decisions.length > firstRows && (
        <button type="button" aria-expanded={all} aria-controls="decisions-table" onClick={() => setAll(!all)}>
          {all ? `Show the newest ${firstRows}` : `Show all ${decisions.length} decisions`}
        </button>
      )}
    </>
  );
}

export interface RolloutSectionProps {
  rollout: RolloutJson | null;
  canChange: boolean;
  promote: () => Promise<void>;
  abort: () => Promise<void>;
  onError: (error: unknown) => boolean;
  /** The time the page last read (the charts end there while the rollout is under way). */
  readAt: number;
}

export function RolloutSection({ rollout, canChange, promote, abort, onError, readAt }: RolloutSectionProps) {
  if (rollout === null) {
    return (
      <section aria-labelledby="rollout-title">
        <h2 id="rollout-title">Rollout</h2>
        <p class="muted">No rollout yet.</p>
      </section>
    );
  }
  const active = rollout.state !== 'promoted' && rollout.state !== 'aborted';
  const until = rollout.finishedAt ? Date.parse(rollout.finishedAt) : readAt;
  const steps = rollout.steps ?? [];
  return (
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">Rollout of release {rollout.release}</h2>
      <p>
        <span class={`state state-${rollout.state}`} data-testid="rollout-state">
          {rollout.state}
        </span>{' '}
        · {rollout.strategy}
        {steps.length > 0 && ` · step ${Math.min(rollout.step + 1, steps.length)} of ${steps.length} (${steps.map((s) => `${s.weight}%`).join(', ')})`}
        {rollout.stable !== null && ` · stable release ${rollout.stable}`}
      </p>
      <p>
        Traffic now: new release {rollout.weights.canary}%, baseline {rollout.weights.baseline}%, stable {rollout.weights.stable}%.
      </p>
      {rollout.reason && <p class="muted">{rollout.reason}</p>}
      {rollout.abortRequested && active && <p class="notice">Abort requested at {clock(rollout.abortRequested)}.</p>}
      {canChange && active && !rollout.abortRequested && (
        <div class="actions">
          {rollout.strategy !== 'rolling' && (
            <ConfirmAction label="Promote" confirmLabel="Promote" act={promote} onError={onError}>
              <p>Move release {rollout.release} to its next step now, without waiting for the pause or the analysis.</p>
            </ConfirmAction>
          )}
          <ConfirmAction label="Abort" name="Abort the rollout" confirmLabel="Abort" danger act={abort} onError={onError}>
            <p>
              Send all traffic back to {rollout.stable === null ? 'the stable release' : `release ${rollout.stable}`} and stop release {rollout.release}'s instances.
            </p>
          </ConfirmAction>
        </div>
      )}
      <h3>Traffic over time</h3>
      <LineChart
        title={`Share of requests on release ${rollout.release}`}
        desc="The new release's weight in percent at each moment the rollout recorded it: its start, each step, and now."
        yMax={100}
        unit="%"
        until={until}
        series={[{ name: `release ${rollout.release}`, points: canaryWeightsOverTime(rollout).map((p) => ({ at: p.at, value: p.canary })), shape: 'step' }]}
        markers={rollout.decisions.map((d) => ({ at: Date.parse(d.at), kind: d.verdict, label: `${clock(d.at)} ${d.metric} ${d.verdict}` }))}
      />
      <h3>Analysis</h3>
      {rollout.decisions.length === 0 ? (
        <p class="muted">No analysis decisions{active ? ' yet' : ''}.</p>
      ) : (
        <>
          <DecisionCharts decisions={rollout.decisions} until={until} />
          <DecisionTable decisions={rollout.decisions} />
        </>
      )}
    </section>
  );
}
