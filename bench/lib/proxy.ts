// A TCP proxy in front of the server that cuts chosen part PUTs partway, the way a
// phone's connection drops mid-upload. It follows HTTP/1.1 requests on each connection
// (no pipelining, as browsers do) and counts every part body byte that crosses it.
import { createServer, connect, Server, Socket } from 'node:net';

export interface PartPut { part: number; contentLength: number; forwarded: number; cut: boolean }

export interface FaultProxy {
  port: number;
  puts: PartPut[];
  close: () => Promise<void>;
}

/** Cut the first attempt of every other part PUT (1st, 3rd, 5th… seen) at `cutAt` of its
 *  body, `drops` times in all. */
export async function faultProxy(upstreamPort: number, drops: number, cutAt = 0.5): Promise<FaultProxy> {
  const puts: PartPut[] = [];
  const attempted = new Set<number>();
  let seen = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const kill = () => { client.destroy(); upstream.destroy(); };
    client.on('close', () => { sockets.delete(client); upstream.end(); });
    upstream.on('close', () => { sockets.delete(upstream); client.end(); });
    client.on('error', kill);
    upstream.on('error', kill);
    upstream.pipe(client);
    let head = Buffer.alloc(0);
    let bodyLeft = 0;
    let put: PartPut | null = null;
    let cutBytes = Infinity;
    client.on('data', (chunk: Buffer) => {
      while (chunk.length > 0) {
        if (bodyLeft === 0) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) { upstream.write(chunk); return; }
          const headerText = head.subarray(0, end).toString('latin1');
          const inHead = chunk.length - (head.length - (end + 4));
          upstream.write(chunk.subarray(0, inHead));
          chunk = chunk.subarray(inHead);
          head = Buffer.alloc(0);
          bodyLeft = Number(headerText.match(/\r\ncontent-length:\s*(\d+)/i)?.[1] ?? 0);
          // Full parts at their signed URLs, and the tail through the API.
          const m = headerText.match(/^PUT \/(?:storage\/parts|api\/v1\/uploads)\/[^/]+\/(?:parts\/)?(\d+)[ ?]/);
          put = null;
          cutBytes = Infinity;
          if (m) {
            const part = Number(m[1]);
            put = { part, contentLength: bodyLeft, forwarded: 0, cut: false };
            puts.push(put);
            const first = !attempted.has(part);
            attempted.add(part);
            if (first && seen++ % 2 === 0 && cuts < drops) {
              cuts++;
              cutBytes = Math.floor(bodyLeft * cutAt);
            }
          }
          continue;
        }
        const take = Math.min(bodyLeft, chunk.length);
        let body = chunk.subarray(0, take);
        if (put && put.forwarded + take >= cutBytes) {
          body = body.subarray(0, cutBytes - put.forwarded);
          put.forwarded += body.length;
          put.cut = true;
          upstream.write(body, kill);
          return;
        }
        if (put) put.forwarded += take;
        upstream.write(body);
        bodyLeft -= take;
        chunk = chunk.subarray(take);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as any).port,
    puts,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
