// Are git and GNU tar there, in a version that has what Sluice uses? Each is looked up in the
// PATH that Sluice gives it when it runs for real.
import { execFile } from 'node:child_process';
import { fail, pass, type DoctorCheck } from './doctor-check.ts';

export interface ToolRequirement {
  name: string;
  args: string[];
  /** Finds the version in the tool's output. */
  pattern: RegExp;
  minimum: string;
  why: string;
  install: string;
}

/** git: clone --shared/--mirror, ls-remote, diff -z — all in 2.20 (2018). */
export const gitRequirement: ToolRequirement = {
  name: 'git',
  args: ['--version'],
  pattern: /^git version (\d+(?:\.\d+)+)/,
  minimum: '2.20',
  why: 'projects are mirrored and checked out with git',
  install: 'install git 2.20 or newer (apt-get install git, dnf install git)',
};

/** GNU tar: --sort=name (1.28) makes artifacts reproducible. */
export const tarRequirement: ToolRequirement = {
  name: 'tar',
  args: ['--version'],
  pattern: /^tar \(GNU tar\) (\d+(?:\.\d+)+)/,
  minimum: '1.28',
  why: 'artifacts are packed with GNU tar (--sort=name)',
  install: 'install GNU tar 1.28 or newer (apt-get install tar; on macOS/BSD: gtar as tar)',
};

export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function checkTool(req: ToolRequirement, pathEnv: string): Promise<DoctorCheck> {
  return new Promise((resolve) => {
    execFile(req.name, req.args, { env: { PATH: pathEnv, LC_ALL: 'C' }, timeout: 10_000 }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve(fail(req.name, `${req.name} is not found in PATH ${pathEnv} (${req.why})`, req.install));
        return;
      }
      const version = req.pattern.exec(stdout.trim())?.[1];
      if (!version) {
        resolve(fail(req.name, `${req.name} --version said ${JSON.stringify(stdout.split('\n')[0] ?? '')}, not a version Sluice knows (${req.why})`, req.install));
      } else if (!versionAtLeast(version, req.minimum)) {
        resolve(fail(req.name, `${req.name} ${version} is older than ${req.minimum} (${req.why})`, req.install));
      } else {
        resolve(pass(req.name, `${req.name} ${version} (>= ${req.minimum})`));
      }
    });
  });
}
