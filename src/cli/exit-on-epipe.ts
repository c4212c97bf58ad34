// `sluice … | head`: when the reader of our output goes away, there is nobody left to tell
// anything, so the CLI ends quietly (as a C program would on SIGPIPE) instead of crashing.
export function exitOnEpipe(stream: NodeJS.WriteStream, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(0);
    else throw error;
  });
}
