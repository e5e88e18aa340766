// Compiled with tsc --noEmit --strict by bindings/node/ci.sh: the
// declarations in index.d.ts describe the API as the tests use it.
import * as rmsg from 'rmsg';
import * as net from 'net';

async function main(): Promise<void> {
  const [a, b]: [rmsg.Socket, rmsg.Socket] = rmsg.socketPair('dgram');
  a.enable('creds');
  const sent: number = await b.send(['x', Buffer.from('y')], { fds: [b.fd], credentials: true });
  const m: rmsg.Message = await a.recv({ bufsize: 1024, signal: AbortSignal.timeout(1000) });
  const fds: number[] = m.fds;
  for (const item of m.items) {
    switch (item.kind) {
      case 'rights': { const n: number[] = item.fds; break; }
      case 'credentials': { const pid: number = item.pid; break; }
      case 'ipPktinfo': { const dst: string = item.address; const spec: string = item.specDst; break; }
      case 'ipTos': { const ecn: number = item.ecn; break; }
      case 'recvErr': { const off: string | null = item.offender; break; }
      case 'raw': { const d: Buffer = item.data; break; }
      default: break;
    }
  }
  const creds = m.find('credentials');
  const uid: number | undefined = creds?.uid;
  const ttl: number | undefined = m.ttl;
  const batch: rmsg.Message[] = await a.recvBatch(32, { flags: rmsg.constants.MSG_PEEK });
  for await (const x of a.messages({ batch: 8 })) rmsg.closeFds(x);
  for await (const x of a) rmsg.closeFds(x);
  const u = rmsg.createSocket('udp6', { bind: '[::1]:0', enable: ['pktinfo', 'hoplimit', 'tclass'] });
  await u.send('z', { address: { address: '::1', port: 9 }, ttl: 3, tos: 1, pktinfo: { ifindex: 1 } });
  const maybe: rmsg.Message | null = u.tryRecv();
  const more: number | null = u.trySend('w', { address: '[::1]:9', segmentSize: 100, txtime: 1n });
  const fromNode: rmsg.Socket = rmsg.Socket.from(new net.Socket());
  const e = new rmsg.AbortError('why');
  const code: 'ABORT_ERR' = e.code;
  const where: string = rmsg.libraryPath + rmsg.version + rmsg.kindName(1, 1);
  void [sent, fds, uid, ttl, batch, maybe, more, fromNode, code, where];
  // Wrong uses must not compile:
  // @ts-expect-error an unknown socket type
  rmsg.createSocket('tcp');
  // @ts-expect-error ttl is a number
  await u.send('z', { ttl: '3' });
  // @ts-expect-error no such receive option
  a.enable('everything');
  a.close();
  b.close();
  u.close();
}

void main;
