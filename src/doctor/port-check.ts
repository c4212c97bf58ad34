// Is a port free, or held by Sluice itself (this data directory's server or data plane)?
import net from 'node:net';
import { fail, pass, type DoctorCheck } from './doctor-check.ts';

export interface PortCheckOptions {
  /** 'API' or 'router'. */
  role: string;
  host: string;
  port: number;
  flag: string;
  /** Whether what holds the port is Sluice's own (asked only when the port is taken). */
  heldByUs: () => Promise<string | null>;
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    s.listen(port, host, () => s.close(() => resolve(null)));
  });
}

export async function checkPort(o: PortCheckOptions): Promise<DoctorCheck> {
  const name = `${o.role} port`;
  const error = await tryListen(o.host, o.port);
  if (error === null) return pass(name, `${o.host}:${o.port} is free`);
  if (error.code === 'EADDRINUSE') {
    const ours = await o.heldByUs();
    if (ours) return pass(name, `${o.host}:${o.port} is held by ${ours}`);
    return fail(name, `${o.host}:${o.port} is in use by another program`, `stop it (find it with: ss -ltnp 'sport = :${o.port}'), or choose another port with ${o.flag}`);
  }
  if (error.code === 'EACCES') {
    return fail(name, `${o.host}:${o.port} needs a privilege to bind`, `grant CAP_NET_BIND_SERVICE (AmbientCapabilities= in docs/systemd/sluice-dataplane.service), or choose a port above 1023 with ${o.flag}`);
  }
  return fail(name, `${o.host}:${o.port} cannot be bound: ${error.code ?? error.message}`, `check the address, or choose another with ${o.flag}`);
}
