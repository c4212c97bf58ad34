// How a stage ends (or waits): what stages and the deployer hand back to the run executor.
export type StageResult =
  | { state: 'succeeded' }
  | { state: 'failed' | 'cancelled' | 'superseded'; reason: string }
  | { state: 'waiting'; reason: string };
