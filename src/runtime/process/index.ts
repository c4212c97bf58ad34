export { Supervisor } from './supervisor.ts';
export { killProcessGroup } from './process-group.ts';
export { InstanceState } from './types.ts';
export type { InstanceSpec, InstanceStatus, InstanceExit, SupervisorOptions } from './types.ts';
