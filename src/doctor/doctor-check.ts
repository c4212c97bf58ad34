// One finding of `sluice doctor`: what was checked, what was found, and how to fix a failure.
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Set on every failure: the command or change that fixes it. */
  fix?: string;
}

export const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });
