// The data directory: writable, enough free disk, and key files private to their owner.
import fs from 'node:fs';
import path from 'node:path';
import { fail, pass, type DoctorCheck } from './doctor-check.ts';

/** Below this, builds and artifacts can fill the disk within a few runs. */
export const minFreeBytes = 1024 ** 3;

/** The nearest existing directory (the data directory may not exist before the first start). */
function existingDir(dir: string): string {
  let d = path.resolve(dir);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export function checkDataDir(dataDir: string): DoctorCheck {
  const at = existingDir(dataDir);
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch {
    return fail('data directory', `${at} is not writable by this user`, `chown it to the user that runs Sluice, or choose another with --data`);
  }
  if (at !== path.resolve(dataDir)) return pass('data directory', `${dataDir} will be created (mode 0700) in ${at}`);
  const mode = fs.statSync(at).mode & 0o777;
  // Steps and instances must not reach it even outside their sandbox (docs/decisions/0016-sandbox.md).
  if ((mode & 0o077) !== 0) return fail('data directory', `${at} has mode 0${mode.toString(8)}: other users can enter it`, `chmod 700 ${at} (sluice server also sets it at start)`);
  return pass('data directory', `${at} is writable, mode 0${mode.toString(8)}`);
}

export function checkFreeDisk(dataDir: string, minimum = minFreeBytes): DoctorCheck {
  const at = existingDir(dataDir);
  const s = fs.statfsSync(at);
  const free = s.bavail * s.bsize;
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (free < minimum) return fail('free disk', `${gib(free)} free on the disk of ${at} (less than ${gib(minimum)})`, `free space there (old artifacts: lower --keep-artifacts), or move --data to a larger disk`);
  return pass('free disk', `${gib(free)} free on the disk of ${at}`);
}

/** Files that must be readable by their owner only: keys, the store, the data plane's state. */
export const keyFiles = ['master.key', 'master.key.next', 'admin.token', 'sluice.db', 'dataplane/state.json'];

export function checkKeyFiles(dataDir: string, masterKeyFromEnv: boolean): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const name of keyFiles) {
    const file = path.join(dataDir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      if (name === 'master.key') checks.push(pass(name, masterKeyFromEnv ? 'the master key comes from SLUICE_MASTER_KEY' : `${file} does not exist yet: the server creates it (0600) at its first start`));
      continue;
    }
    const mode = stat.mode & 0o777;
    if (!stat.isFile()) checks.push(fail(name, `${file} is not a regular file`, `remove it and put the key file back from your backup`));
    else if ((mode & 0o077) !== 0) checks.push(fail(name, `${file} has mode 0${mode.toString(8)}: group or others can read it`, `chmod 600 ${file}`));
    else checks.push(pass(name, `${file} has mode 0${mode.toString(8)}`));
  }
  return checks;
}
