// The Sluice edge router in its own process, so bench/router.ts can read its CPU time from
// /proc. Control channel: Node IPC. In: {type:'setRoutes', id, table}. Out: {type:'ready', port}
// and {type:'applied', id, applyUs} (setRoutes' own synchronous duration) or {type:'error', id, message}.
import type { RouteTable } from '../src/router/route-table.ts';
import { EdgeRouter } from '../src/router/edge/edge-router.ts';

interface SetRoutesMessage {
  type: 'setRoutes';
  id: number;
  table: RouteTable;
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const router = new EdgeRouter({ port: 0, host: '127.0.0.1', closeGraceMs: 500 });

process.on('message', (message: SetRoutesMessage) => {
  if (message.type !== 'setRoutes') return;
  const t0 = performance.now();
  try {
    router.setRoutes(message.table);
    send({ type: 'applied', id: message.id, applyUs: (performance.now() - t0) * 1000 });
  } catch (error) {
    send({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
});

// The parent going away (even by SIGKILL) closes the IPC channel: never outlive it.
process.on('disconnect', () => {
  void router.close().finally(() => process.exit(0));
});
process.on('SIGTERM', () => {
  void router.close().finally(() => process.exit(0));
});

const port = await router.listen();
send({ type: 'ready', port });
