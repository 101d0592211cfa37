/**
 * The floor for the bench: a node:http server that pipes request and response bytes to
 * one upstream over a keep-alive agent and does nothing else (no parsing, no auth, no
 * logging). Whatever Gatehouse adds on top of this is the cost of being a gateway.
 *
 * `node --import tsx bench/bare-proxy.ts --port 0 --upstream http://127.0.0.1:PORT`
 * prints `listening <url>` and exits on SIGTERM.
 */
import { Agent, createServer, request } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hop-by-hop headers belong to one connection and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const upstream = new URL(arg('--upstream', 'http://127.0.0.1:8080'));
const agent = new Agent({ keepAlive: true });

const server = createServer((req, res) => {
  const up = request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...endToEnd(req.headers), host: upstream.host },
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
      upRes.pipe(res);
    },
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  // A client that hangs up must not leave the upstream request running.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});

server.listen(Number(arg('--port', '0')), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  agent.destroy();
  process.exit(0);
});
