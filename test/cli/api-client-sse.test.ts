// The CLI's Server-Sent Events reader follows the WHATWG parsing rules: a field's value may
// come without the space after the colon, lines may end in CRLF, CR or LF, data may span
// lines, and comments, ids and retry fields are no events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../src/cli/api-client.ts';

async function serve(t: import('node:test').TestContext, body: string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Byte by byte in two halves: the reader must join chunks, also inside a CRLF pair.
    const half = Math.floor(body.length / 2);
    res.write(body.slice(0, half));
    setImmediate(() => res.end(body.slice(half)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function events(base: string): Promise<Array<[string, unknown]>> {
  const seen: Array<[string, unknown]> = [];
  await new ApiClient(base, 'test').stream('/', (event, data) => seen.push([event, data]));
  return seen;
}

void test('fields without a space, CRLF line ends, comments, id and retry', async (t) => {
  const base = await serve(t, ': a comment\r\nretry: 1000\r\nid: 7\r\nevent:line\r\ndata:{"line":"a"}\r\n\r\nevent: end\r\ndata: {"state":"succeeded"}\r\n\r\n');
  assert.deepEqual(await events(base), [['line', { line: 'a' }], ['end', { state: 'succeeded' }]]);
});

void test('CR-only line ends and data over several lines', async (t) => {
  const base = await serve(t, 'event: line\rdata: {"line":\rdata: "b"}\r\rdata: 3\n\n');
  assert.deepEqual(await events(base), [['line', { line: 'b' }], ['message', 3]]);
});
