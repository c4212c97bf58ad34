// One run: what it builds, its stage graph with states and durations, each stage's steps, and its
// log lines streaming live (GET /api/runs/:id/logs?follow=1, resumed by the browser with
// Last-Event-ID, so a lost connection loses no line). Approve and reject a waiting gate, and
// cancel, for deployers (reject and cancel take a reason); a viewer sees no button (the server refuses anyway).
// Reached as /runs/ID or /projects/NAME/runs/NUMBER; re-read whenever the stream says it changed.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { LogEntryJson } from '../../src/api/schemas/observe-schemas.ts';
import type { RunJson, StageJson } from '../../src/api/schemas/run-schemas.ts';
import type { ApiClient, SessionInfo } from './api-client.ts';
import { ErrorNote } from './error-note.tsx';
import { useLiveReload } from './live.ts';
import './live.css';

const activeStates = new Set(['queued', 'running', 'waiting']);
/** Lines kept on the page; older ones are dropped from view (the CLI and the Logs page have them all). */
const keepLines = 5000;

/** The run a page path names, as GET /api/runs/:id takes it (an id, or PROJECT#NUMBER); null: not a run page. */
export function runRefOf(path: string): string | null {
  const byNumber = /^\/projects\/([^/]+)\/runs\/(\d+)$/.exec(path);
  if (byNumber) return `${decodeURIComponent(byNumber[1]!)}#${byNumber[2]}`;
  const byId = /^\/runs\/([^/]+)$/.exec(path);
  return byId ? decodeURIComponent(byId[1]!) : null;
}

function duration(startedAt: string | null, finishedAt: string | null, now: number): string {
  if (!startedAt) return '';
  const ms = (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt);
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A clock for the durations of what still runs: re-renders every second while asked to. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

function StageGraph({ stages, now }: { stages: StageJson[]; now: number }) {
  return (
    <ol class="stages" aria-label="Stages">
      {stages.map((s, i) => (
        <li key={`${i}-${s.name}`}>
          <div class="stage" data-state={s.state}>
            <strong>{s.name}</strong>
            <small>
              <span class={`state state-${s.state}`}>{s.state}</span> {duration(s.startedAt, s.finishedAt, now)}
            </small>
            {s.reason && <small>{s.reason}</small>}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Steps({ stages, now }: { stages: StageJson[]; now: number }) {
  const rows = stages.flatMap((s) => (s.steps ?? []).map((step, i) => ({ stage: s.name, step, key: `${s.name}-${i}` })));
  if (rows.length === 0) return null;
  return (
    <details>
      <summary>Steps ({rows.length})</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Step</th>
            <th scope="col">State</th>
            <th scope="col">Exit</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ stage, step, key }) => (
            <tr key={key}>
              <td>{stage}</td>
              <td>{step.name}</td>
              <td>
                <span class={`state state-${step.state}`}>{step.state}</span>
              </td>
              <td>{step.exitCode ?? ''}</td>
              <td>{duration(step.startedAt, step.finishedAt, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** The run's lines, followed until the run ends; the EventSource resumes after a cut by itself. */
function useRunLog(runId: string | null): { lines: LogEntryJson[]; following: boolean } {
  const [lines, setLines] = useState<LogEntryJson[]>([]);
  const [following, setFollowing] = useState(false);
  useEffect(() => {
    if (runId === null) return;
    setLines([]);
    const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/logs?follow=1`, { withCredentials: true });
    setFollowing(true);
    let batch: LogEntryJson[] = [];
    let frame = 0;
    // Lines come in bursts: one render per animation frame, not one per line.
    const flush = (): void => {
      frame = 0;
      const add = batch;
      batch = [];
      setLines((l) => (l.length + add.length > keepLines ? [...l, ...add].slice(-keepLines) : [...l, ...add]));
    };
    source.addEventListener('line', (e) => {
      batch.push(JSON.parse(String(e.data)) as LogEntryJson);
      if (!frame) frame = requestAnimationFrame(flush);
    });
    source.addEventListener('end', () => {
      source.close();
      setFollowing(false);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) setFollowing(false);
    });
    return () => {
      source.close();
      cancelAnimationFrame(frame);
    };
  }, [runId]);
  return { lines, following };
}

function LogView({ lines, following }: { lines: LogEntryJson[]; following: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">
        Log {following && <span class="muted">(live)</span>}
      </h2>
      <pre
        class="log"
        ref={ref}
        tabIndex={0}
        aria-label="Run log"
        aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {lines.length === 0 ? <span class="muted">No lines yet.</span> : lines.map((l) => <div key={l.id} class={l.stream} data-id={l.id}>{l.line}</div>)}
      </pre>
    </section>
  );
}

function Actions({ run, api, onDone, onError }: { run: RunJson; api: ApiClient; onDone: (run: RunJson) => void; onError: (e: unknown) => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const act = (what: 'approve' | 'reject' | 'cancel'): void => {
    setBusy(true);
    api.request<RunJson>('POST', `/api/runs/${encodeURIComponent(run.id)}/${what}`, what === 'approve' ? {} : { reason: reason || null }).then(
      (r) => {
        setBusy(false);
        setReason('');
        onDone(r);
      },
      (e: unknown) => {
        setBusy(false);
        onError(e);
      },
    );
  };
  const waiting = run.state === 'waiting';
  if (!activeStates.has(run.state)) return null;
  return (
    <form
      class="actions"
      aria-label="Run actions"
      onSubmit={(e) => {
        e.preventDefault();
        if (waiting) act('approve');
      }}
    >
      <label>
        Reason (for a reject or cancel)
        <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} maxLength={500} disabled={busy} />
      </label>
      {waiting && (
        <>
          <button type="submit" disabled={busy}>
            Approve
          </button>
          <button type="button" disabled={busy} onClick={() => act('reject')}>
            Reject
          </button>
        </>
      )}
      <button type="button" disabled={busy} onClick={() => act('cancel')}>
        Cancel run
      </button>
    </form>
  );
}

export function RunPage({ api, session, runRef, onError }: { api: ApiClient; session: SessionInfo; runRef: string; onError: (error: unknown) => boolean }) {
  const [run, setRun] = useState<RunJson | null>(null);
  const [error, setError] = useState<unknown>(null);
  const fail = useCallback((e: unknown) => void (onError(e) || setError(e)), [onError]);

  const load = useCallback(() => {
    api.request<RunJson>('GET', `/api/runs/${encodeURIComponent(runRef)}`).then((r) => {
      setRun(r);
      setError(null);
    }, fail);
  }, [api, runRef, fail]);
  useEffect(load, [load]);
  useLiveReload(run ? `run:${run.id}` : 'run:', load);

  const { lines, following } = useRunLog(run?.id ?? null);
  const now = useNow(run !== null && activeStates.has(run.state));
  const mayAct = session.role === 'deployer' || session.role === 'admin';

  if (run === null) return error !== null ? <ErrorNote error={error} /> : <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">
        {run.project} · run #{run.number} <span class={`state state-${run.state}`}>{run.state}</span>
      </h1>
      {error !== null && <ErrorNote error={error} />}
      <dl class="facts">
        <dt>Commit</dt>
        <dd>
          <code>{run.commit.slice(0, 12)}</code> on {run.branch} · {run.message.split('\n')[0]}
        </dd>
        <dt>Author</dt>
        <dd>{run.author}</dd>
        <dt>Trigger</dt>
        <dd>
          {run.trigger}
          {run.triggeredBy ? ` by ${run.triggeredBy}` : ''}
        </dd>
        <dt>Time</dt>
        <dd>{run.startedAt ? `${new Date(run.startedAt).toLocaleString()} · ${duration(run.startedAt, run.finishedAt, now)}` : `queued ${new Date(run.createdAt).toLocaleString()}`}</dd>
        {run.reason && (
          <>
            <dt>Reason</dt>
            <dd>{run.reason}</dd>
          </>
        )}
        {run.approvedBy && (
          <>
            <dt>Approved</dt>
            <dd>by {run.approvedBy}</dd>
          </>
        )}
      </dl>
      {mayAct && <Actions run={run} api={api} onDone={setRun} onError={fail} />}
      <StageGraph stages={run.stages} now={now} />
      <Steps stages={run.stages} now={now} />
      <LogView lines={lines} following={following} />
    </section>
  );
}
