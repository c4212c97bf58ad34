// wrk keeps each connection's TLS session across its reconnects (ssl_close: SSL_shutdown then
// SSL_clear, which keeps a cleanly shut session), so with `Connection: close` it resumes wherever
// the server sends it a ticket. nginx 1.22 does on every connection; Node on TLS 1.3 only after
// a full handshake (a resumed session gets no new ticket), so about every other connection.
// Measured that way, "new connections" compared two different mixes of full and resumed
// handshakes. This LD_PRELOAD library drops the session after SSL_clear: every connection is a
// full handshake, for both servers.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const source = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
typedef struct ssl_st SSL;
int SSL_clear(SSL *s) {
  static int (*real)(SSL *);
  static int (*set_session)(SSL *, void *);
  if (!real) {
    real = (int (*)(SSL *))dlsym(RTLD_NEXT, "SSL_clear");
    set_session = (int (*)(SSL *, void *))dlsym(RTLD_NEXT, "SSL_set_session");
  }
  int r = real(s);
  set_session(s, NULL);
  return r;
}
`;

/** Builds the library in `dir` with the system C compiler; its path, or undefined (said why) when there is none. */
export function noResumePreload(dir: string): string | undefined {
  const c = join(dir, 'no-resume.c');
  const so = join(dir, 'no-resume.so');
  writeFileSync(c, source);
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', so, c, '-ldl'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return so;
  } catch (error) {
    console.log(`no C compiler for the no-resumption preload (${(error as Error).message.split('\n')[0]}): wrk resumes sessions where the server lets it`);
    return undefined;
  }
}
