import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Disposable } from 'graphql-ws';
import type { WebSocketServer } from 'ws';
import type { Actor } from '../../domain/actor.ts';
import type { TokenVerifier } from '../../http/auth/token-verifier.ts';
import type { TrustedProxies } from '../../http/client-address.ts';
import type { GraphqlContext } from '../../http/graphql/schema.ts';
import type { LazyGraphql } from '../../http/graphql-routes.ts';
import { MAX_BODY_BYTES } from '../../http/types.ts';
import type { Clock } from '../../ports/clock.ts';

export interface GraphqlSocketOptions {
  readonly graphql: LazyGraphql;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  readonly trustedProxies: TrustedProxies;
}

/** What a connection keeps: the authorization it was opened with (checked again on each operation). */
type ConnectionExtra = { authorization?: string | undefined };

/** `connection_init`'s payload: `{authorization: 'Bearer <JWT>'}` (or `{token: '<JWT>'}`). */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (typeof params?.authorization === 'string') return params.authorization;
  if (typeof params?.Authorization === 'string') return params.Authorization;
  if (typeof params?.token === 'string') return `Bearer ${params.token}`;
  return undefined;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol, on `ws`) on the HTTP
 * server's own port: upgrades of /graphql go here, any other path is
 * refused. The bearer token comes in `connection_init` and is verified as
 * REST verifies its header: a bad one closes the connection (4403), none
 * makes an anonymous connection (public operations only). It is verified
 * again for every operation, so an operation after the token expired runs
 * as anonymous and is refused where REST would refuse it. `ws` and
 * graphql-ws are loaded by the first upgrade.
 */
export function attachGraphqlSocket(
  server: Server,
  options: GraphqlSocketOptions,
): { close(): Promise<void> } {
  let transport: Promise<{ wss: WebSocketServer; disposable: Disposable }> | undefined;
  const open = async () => {
    const [{ WebSocketServer }, { useServer }, endpoint] = await Promise.all([
      import('ws'),
      import('graphql-ws/use/ws'),
      options.graphql.endpoint(),
    ]);
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
    const verify = (authorization: string | undefined): Promise<Actor> =>
      options.verifier.verify(authorization, options.clock.now());
    const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
      {
        schema: endpoint.schema,
        async onConnect(ctx) {
          const authorization = authorizationOf(ctx.connectionParams);
          if (authorization === undefined) return true;
          try {
            await verify(authorization);
          } catch {
            return false;
          }
          ctx.extra.authorization = authorization;
          return true;
        },
        async context(ctx): Promise<GraphqlContext> {
          const { request, authorization } = ctx.extra;
          const actor =
            authorization === undefined ? undefined : await verify(authorization).catch(() => undefined);
          const forwarded = request.headers['x-forwarded-for'];
          return {
            actor,
            clientAddress: options.trustedProxies.clientOf(
              request.socket.remoteAddress,
              Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
            ),
            requestId: randomUUID(),
            transport: 'ws',
          };
        },
      },
      wss,
    );
    return { wss, disposable };
  };
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url?.split('?', 1)[0] !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    transport ??= open();
    transport.then(
      ({ wss }) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
      () => socket.destroy(),
    );
  };
  server.on('upgrade', onUpgrade);
  return {
    async close() {
      server.off('upgrade', onUpgrade);
      if (transport === undefined) return;
      const { wss, disposable } = await transport;
      await disposable.dispose();
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
