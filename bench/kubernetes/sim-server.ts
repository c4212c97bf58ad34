// The simulated API server in its own process, so its memory is not counted as the control
// plane's: prints {"kubeconfig": …} on one line, then serves until stdin closes.
import { FakeApiServer } from '../../test/kubernetes/fake-api-server.ts';

const api = new FakeApiServer({ readyAfterMs: 30, historyLimit: 200_000, bookmarkMs: 5000 });
await api.start();
process.stdout.write(`${JSON.stringify({ kubeconfig: api.kubeconfig() })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void api.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void api.close().then(() => process.exit(0)));
