#!/usr/bin/env node
// The `sluice` command: one process that loads the TypeScript sources through tsx's loader,
// so a checkout runs without a build step (and a SIGKILL of it is a real crash).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
