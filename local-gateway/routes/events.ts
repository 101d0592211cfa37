import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { WebSocket, WebSocketServer } from 'ws';
import { EVENTS_PROTOCOL, type ServerEvent } from '../admin/schemas.js';
import { GatehouseError, openAIErrorBody } from '../core/errors.js';
import { tokenCommand } from '../core/home.js';
import { VERSION } from '../core/version.js';
import { checkBrowserHeaders, tokenChecker } from '../pipeline/auth.js';

export const EVENTS_PATH = '/api/events';
/** A client this far behind is dropped rather than buffered without bound; it reconnects. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** "Try again later": the dashboard reconnects with backoff. */
export const CLOSE_TOO_SLOW = 1013;
const BEARER_PROTOCOL = 'bearer.';
/** How long a stopping gateway waits for sockets to answer its close frame. */
const CLOSE_WAIT_MS = 1000;

/** The offered subprotocols, from `Sec-WebSocket-Protocol: gatehouse.v1, bearer.<token>`. */
function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/**
 * A browser cannot set headers on a WebSocket, so the dashboard sends its token as a
 * subprotocol; scripts may send the usual Authorization header instead.
 */
function checkUpgrade(req: IncomingMessage, checkToken: ReturnType<typeof tokenChecker>, allowedHosts: ReadonlySet<string>): void {
  if ((req.url ?? '').split('?')[0] !== EVENTS_PATH) {
    throw new GatehouseError('GH_ERR_NOT_FOUND', `No WebSocket at ${(req.url ?? '').split('?')[0]}: live events are at ${EVENTS_PATH}.`);
  }
  checkBrowserHeaders(req.headers, allowedHosts);
  const offered = offeredProtocols(req);
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL));
  checkToken(bearer === undefined ? req.headers : { authorization: `Bearer ${bearer.slice(BEARER_PROTOCOL.length)}` });
  if (offered.length > 0 && !offered.includes(EVENTS_PROTOCOL)) {
    throw new GatehouseError('GH_ERR_INVALID_REQUEST', `Offer the "${EVENTS_PROTOCOL}" subprotocol: new WebSocket(url, ['${EVENTS_PROTOCOL}', 'bearer.' + token]).`);
  }
}

/** Answers a refused upgrade with a plain HTTP error, in the admin API's error shape. */
function refuse(socket: Duplex, err: GatehouseError): void {
  const body = JSON.stringify(openAIErrorBody(err));
  socket.end(
    `HTTP/1.1 ${err.statusCode} ${err.type}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * `WS /api/events`: a hello on connect, then every recorded request and every policy change
 * as JSON text frames (`ServerEventSchema`). The `ws` library on the server's `upgrade`
 * event rather than a Fastify plugin: Fastify's hooks do not run for an upgrade either way,
 * and this keeps the handshake's checks (Host, Origin, token in the subprotocol) in one place.
 */
export async function eventsRoutes(app: FastifyInstance): Promise<void> {
  const gw = app.gateway;
  const checkToken = tokenChecker(gw.token, tokenCommand(gw.home));
  // Loaded with the first dashboard that connects: ws and the zlib it brings cost ~6 MB of
  // memory that a gateway serving only agents never needs.
  let server: Promise<WebSocketServer> | null = null;
  const websockets = () =>
    (server ??= import('ws').then(
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false) }),
    ));

  const serve = (ws: WebSocket) => {
    const send = (event: ServerEvent) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        unsubscribe();
        ws.close(CLOSE_TOO_SLOW, 'too far behind: reconnect');
        return;
      }
      ws.send(JSON.stringify(event));
    };
    const unsubscribe = gw.events.subscribe(send);
    ws.on('close', unsubscribe);
    // A socket error (a reset peer) ends with a close; nothing else to do.
    ws.on('error', () => {});
    send({ type: 'hello', version: VERSION, tier: gw.config.tiers.active });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      checkUpgrade(req, checkToken, gw.allowedHosts);
    } catch (err) {
      refuse(socket, err instanceof GatehouseError ? err : new GatehouseError('GH_ERR_INTERNAL', `The WebSocket handshake failed (${(err as Error).message}).`));
      return;
    }
    void websockets().then((wss) => wss.handleUpgrade(req, socket, head, serve));
  };
  app.server.on('upgrade', onUpgrade);

  // Before the server closes: it waits for its connections, and open sockets would hold it.
  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
    if (server === null) return;
    const wss = await server;
    for (const ws of wss.clients) ws.close(1001, 'gateway stopping');
    // Clients answer the close at once; one that does not is cut off rather than waited on.
    const cutOff = setTimeout(() => wss.clients.forEach((ws) => ws.terminate()), CLOSE_WAIT_MS);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    clearTimeout(cutOff);
  });
}
