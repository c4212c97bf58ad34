// Ends every process that belongs to one test root: the processes tests start directly, and
// those started on their behalf (the detached data plane, its instances, runner steps), each
// in process groups of their own. A process belongs to the root when its working directory or
// an argument lies under the root, or its environment carries the root as TMPDIR or
// SLUICE_TEST_ROOT; its descendants belong with it. Nothing outside the root is touched, so
// other checkouts' test runs on the same machine are safe.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { killProcessGroup, readStat } from '../../src/runtime/process/process-group.ts';

export interface SweptProcess {
  pid: number;
  pgid: number;
  command: string;
}

export interface SweepOptions {
  /** Pids never signalled (with their ancestors): the sweeping process and whoever started it. */
  spare?: number[];
  /** How long SIGTERM gets before SIGKILL. */
  graceMs?: number;
}

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

function liveProcesses(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const s = readStat(pid);
    if (s && s.state !== 'Z' && s.state !== 'X') out.push({ pid, ppid: s.ppid, pgid: s.pgrp });
  }
  return out;
}

function tryRead(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return ''; // gone, or not ours to read
  }
}

function isUnder(p: string, root: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}

function pointsUnder(pid: number, root: string): boolean {
  let cwd = '';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // not ours, or gone
  }
  if (cwd && isUnder(cwd, root)) return true;
  if (tryRead(`/proc/${pid}/cmdline`).split('\0').some((arg) => arg.includes(`${root}/`) || arg === root)) return true;
  const env = tryRead(`/proc/${pid}/environ`).split('\0');
  return env.includes(`TMPDIR=${root}`) || env.includes(`SLUICE_TEST_ROOT=${root}`);
}

function commandOf(pid: number): string {
  return tryRead(`/proc/${pid}/cmdline`).split('\0').join(' ').trim().slice(0, 200);
}

/** The live processes of the root (and their descendants), never a spared pid or its ancestors. */
export function findTestProcesses(root: string, spare: number[] = [process.pid]): SweptProcess[] {
  const procs = liveProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const spared = new Set<number>();
  for (const pid of spare) {
    for (let p = byPid.get(pid); p && !spared.has(p.pid); p = byPid.get(p.ppid)) spared.add(p.pid);
  }
  const matched = new Set(procs.filter((p) => !spared.has(p.pid) && pointsUnder(p.pid, root)).map((p) => p.pid));
  // Descendants: a child that moved its cwd elsewhere still belongs to what started it.
  for (const p of procs) {
    for (let a = byPid.get(p.ppid); a && !spared.has(p.pid); a = byPid.get(a.ppid)) {
      if (matched.has(a.pid)) {
        matched.add(p.pid);
        break;
      }
    }
  }
  return procs.filter((p) => matched.has(p.pid)).map((p) => ({ pid: p.pid, pgid: p.pgid, command: commandOf(p.pid) }));
}

/**
 * Signals the root's processes: a whole group when every live member of it is the root's
 * (killProcessGroup), else the matched pids alone, so a group shared with the shell that
 * started the run is never hit. SIGTERM, then SIGKILL for what is left after `graceMs`.
 * Returns what was found alive at the start.
 */
export async function sweepTestProcesses(root: string, o: SweepOptions = {}): Promise<SweptProcess[]> {
  const spare = o.spare ?? [process.pid];
  const found = findTestProcesses(root, spare);
  if (found.length === 0) return [];
  const signal = (sig: NodeJS.Signals, targets: SweptProcess[]): void => {
    const mine = new Set(targets.map((p) => p.pid));
    const groups = new Map<number, number[]>();
    for (const p of liveProcesses()) groups.set(p.pgid, [...(groups.get(p.pgid) ?? []), p.pid]);
    const done = new Set<number>();
    for (const t of targets) {
      const members = groups.get(t.pgid) ?? [];
      if (t.pgid > 1 && !done.has(t.pgid) && members.length > 0 && members.every((m) => mine.has(m))) {
        done.add(t.pgid);
        try {
          killProcessGroup(t.pgid, sig);
        } catch {
          // EPERM: not ours
        }
      } else if (!done.has(t.pgid)) {
        try {
          process.kill(t.pid, sig);
        } catch {
          // gone already, or not ours
        }
      }
    }
  };
  signal('SIGTERM', found);
  const deadline = Date.now() + (o.graceMs ?? 5000);
  while (Date.now() < deadline && findTestProcesses(root, spare).length > 0) await new Promise((r) => setTimeout(r, 50));
  // Rounds of SIGKILL: a dying parent may still have forked a last child.
  for (let round = 0; round < 5; round++) {
    const left = findTestProcesses(root, spare);
    if (left.length === 0) break;
    signal('SIGKILL', left);
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}
