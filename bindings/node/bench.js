#!/usr/bin/env node
// Benchmark: UDP receive of 64-byte datagrams over 127.0.0.1, each with
// IP_PKTINFO and IP_TTL, by three methods in one process:
//
//   batch   await socket.recvBatch(32): one recvmmsg(2) per call, every
//           message decoded (data, source address, packet info, TTL)
//   single  await socket.recv(): one recvmsg(2) per message, decoded
//   dgram   Node's dgram 'message' events (data and source address; Node
//           cannot give the packet info or TTL)
//
// Each fill queues FILL datagrams on the receiving socket (sent with
// rmsg's trySend, synchronously, so that nothing is received meanwhile),
// then the method drains exactly that many and only the drain is timed,
// from the end of the fill to the last message handled. The methods take
// turns fill by fill; a round is FILLS fills per method. Prints each
// method's messages per second and the ratios batch/dgram and
// single/dgram: median and spread (min-max) over the rounds.
//
//   node bench.js [ROUNDS [FILLS [FILL]]]     (defaults 7 40 2000)
'use strict';

const dgram = require('dgram');
const rmsg = require('.');

const ROUNDS = Number(process.argv[2] ?? 7);
const FILLS = Number(process.argv[3] ?? 40);
const FILL = Number(process.argv[4] ?? 2000);
const SIZE = 64;
const C = rmsg.constants;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spread(xs) {
  return `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
}

function fmt(x) {
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(3);
}

const payload = Buffer.alloc(SIZE, 0x61);

// Queues FILL datagrams on the socket at `to`; returns when they are queued.
function fill(sender, to) {
  for (let i = 0; i < FILL; i++) {
    if (sender.trySend(payload, { address: to }) !== SIZE) throw new Error('the sender has no room');
  }
}

function receiveBuffer(fd) {
  // As root, past net.core.rmem_max, so that a whole fill fits.
  const s = rmsg.Socket.from(fd);
  try {
    s.setOption(C.SOL_SOCKET, C.SO_RCVBUFFORCE, 8 << 20);
  } catch {
    s.setOption(C.SOL_SOCKET, C.SO_RCVBUF, 8 << 20);
  }
  s.close();
}

async function main() {
  const sender = rmsg.createSocket('udp4', { bind: '127.0.0.1:0' });
  sender.setOption(C.SOL_SOCKET, C.SO_SNDBUF, 4 << 20);

  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['pktinfo', 'ttl'] });
  receiveBuffer(rx.fd);
  const rxAddr = rx.address();

  const node = dgram.createSocket('udp4');
  await new Promise((resolve) => node.bind(0, '127.0.0.1', resolve));
  receiveBuffer(rmsg.Socket.from(node).fd);
  const nodeAddr = `127.0.0.1:${node.address().port}`;
  let onMessage = null;
  node.on('message', (msg, rinfo) => onMessage(msg, rinfo));

  let check = 0; // consumed so that no work is optimised away

  const methods = {
    async batch() {
      fill(sender, rxAddr);
      const t0 = process.hrtime.bigint();
      let got = 0;
      while (got < FILL) {
        const batch = await rx.recvBatch(32, { bufsize: 2048 });
        for (const m of batch) {
          check += m.data.length + m.ttl + m.packetInfo.ifindex + m.address.length;
        }
        got += batch.length;
      }
      return Number(process.hrtime.bigint() - t0);
    },
    async single() {
      fill(sender, rxAddr);
      const t0 = process.hrtime.bigint();
      for (let got = 0; got < FILL; got++) {
        const m = await rx.recv({ bufsize: 2048 });
        check += m.data.length + m.ttl + m.packetInfo.ifindex + m.address.length;
      }
      return Number(process.hrtime.bigint() - t0);
    },
    dgram() {
      fill(sender, nodeAddr);
      const t0 = process.hrtime.bigint();
      let got = 0;
      return new Promise((resolve) => {
        onMessage = (msg, rinfo) => {
          check += msg.length + rinfo.port + rinfo.address.length;
          if (++got === FILL) resolve(Number(process.hrtime.bigint() - t0));
        };
      });
    },
  };

  // Warm-up: a few fills of each, not counted.
  for (let i = 0; i < 5; i++) for (const f of Object.values(methods)) await f();

  const rates = { batch: [], single: [], dgram: [] };
  const ratios = { 'batch / dgram': [], 'single / dgram': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const ns = { batch: 0, single: 0, dgram: 0 };
    for (let f = 0; f < FILLS; f++) for (const [name, fn] of Object.entries(methods)) ns[name] += await fn();
    for (const name of Object.keys(ns)) rates[name].push((FILL * FILLS * 1e9) / ns[name]);
    ratios['batch / dgram'].push(rates.batch[r] / rates.dgram[r]);
    ratios['single / dgram'].push(rates.single[r] / rates.dgram[r]);
  }

  console.log(
    `UDP 127.0.0.1, ${SIZE}-byte datagrams, IP_PKTINFO + IP_TTL decoded by rmsg; ` +
      `${ROUNDS} rounds of ${FILLS} fills of ${FILL} datagrams per method (Node ${process.version})`
  );
  for (const [name, xs] of Object.entries(rates)) {
    console.log(`${name.padEnd(16)} messages/s median ${fmt(median(xs))} (${spread(xs)})`);
  }
  for (const [name, xs] of Object.entries(ratios)) {
    console.log(`ratio ${name.padEnd(16)} median ${fmt(median(xs))} (${spread(xs)})`);
  }
  if (check === 0) console.log('(nothing received?)');
  sender.close();
  rx.close();
  node.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
