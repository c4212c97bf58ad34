// A tiny HTTP service deployed by Sluice's quickstart. Sluice gives it PORT.
'use strict';
const http = require('node:http');
const { greeting } = require('./greeting.js');

const port = Number(process.env.PORT || 3000);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('ok\n');
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${greeting()}\n`);
});
server.listen(port, () => console.log(`hello listening on ${port}`));

// Finish in-flight requests on SIGTERM: Sluice drains an instance before it stops it.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
