// Serves an @astrojs/node standalone build on a Unix socket, which Astro's own server cannot
// do (TCP only): nginx reaches the live instance through a link to this socket, and a release
// switch moves the link without reloading nginx. Usage: node serve.mjs ENTRY SOCKET
// (ASTRO_NODE_AUTOSTART=disabled keeps the entry from opening its own port).
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [entry, socket] = process.argv.slice(2);
const graceMs = Number(process.env.SERVE_GRACE_MS ?? 15000);
const { handler } = await import(pathToFileURL(entry).href);

const server = http.createServer(handler);
// Longer than nginx keeps idle upstream connections, so Node never closes one nginx reuses.
server.keepAliveTimeout = 75000;
fs.rmSync(socket, { force: true }); // a socket left by a killed instance
server.listen(socket, () => {
  // Like a port on 127.0.0.1: any local process (nginx) may connect.
  fs.chmodSync(socket, 0o666);
  console.log(`listening on ${socket}`);
});

function stop(signal) {
  console.log(`${signal}: finishing requests in flight`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), graceMs).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
