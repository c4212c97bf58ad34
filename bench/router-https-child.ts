// The Sluice edge router with its HTTPS listener, in its own process (bench/router-https.ts reads
// its CPU time). argv: certFile keyFile backendPort... Routes host `localhost` to the backends.
// IPC in: {type:'swap', id, certFile, keyFile}; out: {type:'ready', port, httpsPort}, {type:'swapped', id}.
import { readFileSync } from 'node:fs';
import { EdgeRouter } from '../src/router/edge/edge-router.ts';
import { parseCertificate } from '../src/router/edge/parse-certificate.ts';

const [certFile, keyFile, ...ports] = process.argv.slice(2);
const router = new EdgeRouter({ port: 0, httpsPort: 0, host: '127.0.0.1', closeGraceMs: 500 });
const install = (cert: string, key: string): void => {
  const input = { hosts: ['localhost'], certificatePem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  router.certificates.set('bench', parseCertificate('bench', input, router.certificates));
};
install(certFile!, keyFile!);
router.setRoutes({
  routes: [{ host: 'localhost', backends: [{ release: 'r1', weight: 100, targets: ports.map((p, i) => ({ id: `t${i}`, host: '127.0.0.1', port: Number(p) })) }] }],
});

process.on('message', (m: { type: string; id: number; certFile: string; keyFile: string }) => {
  if (m.type !== 'swap') return;
  install(m.certFile, m.keyFile);
  process.send?.({ type: 'swapped', id: m.id });
});
process.on('disconnect', () => void router.close().finally(() => process.exit(0)));
process.on('SIGTERM', () => void router.close().finally(() => process.exit(0)));

const port = await router.listen();
process.send?.({ type: 'ready', port, httpsPort: router.httpsPort });
