// Shaped like @astrojs/node's standalone entry: exports a request handler, and would open
// its own port unless ASTRO_NODE_AUTOSTART=disabled (the role must set it).
import http from 'node:http';

const RELEASE = '__RELEASE__';

export function handler(req, res) {
  if (req.url.startsWith('/slow')) {
    setTimeout(() => res.end(`release ${RELEASE} slow\n`), 1500);
    return;
  }
  res.setHeader('content-type', 'text/html');
  res.end(`<p>release ${RELEASE} ${process.env.SITE_GREETING ?? ''} node ${process.getuid()}</p>\n`);
}

if (process.env.ASTRO_NODE_AUTOSTART !== 'disabled') {
  http.createServer(handler).listen(4321, '127.0.0.1');
}
