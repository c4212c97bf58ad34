import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';

// A reused keep-alive socket that the data plane closes at that moment fails the call with EPIPE
// (seen: "rollout … stopped: data plane unreachable …: write EPIPE"). The client opens a
// connection per request, so that race cannot happen: three calls, three connections.
void test('the data-plane client never reuses a connection the data plane may be closing', async (t) => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'sluice-dpc-'));
  const socketPath = path.join(dir, 'dp.sock');
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('{"ok":true}'));
  server.keepAliveTimeout = 60_000; // the server would keep the socket: reuse is the client's choice
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const client = new DataPlaneClient(socketPath);
  for (let i = 0; i < 3; i++) assert.deepEqual(await client.request('GET', '/health'), { ok: true });
  assert.equal(connections, 3);
});
