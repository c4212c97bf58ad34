// The per-instance shim (`conmon` in container runtimes): it starts the instance in its own
// process group, owns its stdout and stderr, redacts each line and appends it to the instance
// log, and records the exit. It lives in a session of its own, so it and the instance outlive
// a data plane that is killed; the next data plane adopts it. Its imports stay few: one runs
// per instance.
import { spawn } from 'node:child_process';
import { Redactor } from '../../../secrets/redactor.ts';
import { limitCrossed } from '../../../sandbox/limit-crossed.ts';
import { signalOfExitCode, spawnSandboxed } from '../../../sandbox/sandbox.ts';
import { sandboxLimitPrefix } from '../instance-sandbox.ts';
import { InstanceLog, LineSplitter, type LogStream } from '../log-writer.ts';
import { writeStatusFile, type ShimConfig, type ShimEvent, type ShimExit, type ShimStatus } from './shim-protocol.ts';

const stderrTailLines = 50;
/** 'exit' can come before the last bytes of the pipes: wait this long for them before recording it. */
const drainMs = 500;

function emit(event: ShimEvent): void {
  // The data plane that started us may be gone: its pipe then fails, which is fine.
  if (!process.stdout.destroyed && process.stdout.writable) process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function readConfig(): Promise<ShimConfig> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ShimConfig;
}

function main(config: ShimConfig): void {
  let log: InstanceLog;
  try {
    log = new InstanceLog(config.logFile, { limits: config.logLimits });
  } catch (error) {
    emit({ error: `cannot open log file ${config.logFile}: ${(error as Error).message}` });
    process.stdout.end(() => process.exit(1));
    return;
  }
  const redactor = new Redactor(config.secrets);
  const stderrTail: string[] = [];
  const splitter = (stream: LogStream): LineSplitter =>
    new LineSplitter((raw, truncated) => {
      const line = redactor.redactLine(raw);
      log.write(stream, line, truncated);
      if (stream === 'stderr' && line.trim() !== '') {
        stderrTail.push(line);
        if (stderrTail.length > stderrTailLines) stderrTail.shift();
      }
    });
  // detached: its own process group, so the data plane can signal the whole tree it starts.
  const sandboxed = config.sandbox;
  const child = sandboxed
    ? spawnSandboxed(sandboxed.sandbox, sandboxed.args, config.env)
    : spawn('/bin/sh', ['-c', config.command], { cwd: config.cwd, env: config.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('error', (error) => {
    emit({ error: `cannot start ${JSON.stringify(config.command)}: ${error.message}` });
    void log.close().then(() => process.exit(1));
  });
  if (child.pid === undefined) return;
  const out = splitter('stdout');
  const err = splitter('stderr');
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const status: ShimStatus = { shimPid: process.pid, pid: child.pid, port: config.port, startedAt: new Date().toISOString(), exit: null };
  writeStatusFile(config.statusFile, status);
  emit({ pid: child.pid });
  child.once('exit', (rawCode, rawSignal) => {
    // bwrap reports a command killed by signal N as exit code 128+N.
    const sandboxSignal = sandboxed ? signalOfExitCode(rawCode) : null;
    const code = sandboxSignal ? null : rawCode;
    const signal = sandboxSignal ?? rawSignal;
    void (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      out.flush();
      err.flush();
      const limit = sandboxed ? limitCrossed(signal, stderrTail, sandboxed.limits) : null;
      if (limit) {
        const line = `${sandboxLimitPrefix}${limit}`;
        log.write('stderr', line, false);
        stderrTail.push(line);
      }
      const exit: ShimExit = { code, signal, at: new Date().toISOString(), stderrTail };
      writeStatusFile(config.statusFile, { ...status, exit });
      emit({ exit });
      // Others of the group may still hold the pipes: their lines are kept until they are gone.
      await closed;
      out.flush();
      err.flush();
      await log.close();
      process.exit(0);
    })();
  });
}

process.stdout.on('error', () => {});
// A terminal's or a supervisor's signals meant for the data plane are not for us: the
// instance is stopped through its own group, and we end when it has.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
readConfig().then(main, (error: unknown) => {
  emit({ error: `shim: unreadable config: ${(error as Error).message}` });
  process.exitCode = 1;
});
