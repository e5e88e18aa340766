'use strict';
// A peer process for test/fds.test.js: its descriptor 3 is one end of an
// AF_UNIX datagram socket pair. It receives "ping" with one descriptor,
// writes "pong:node" into it, then sends "reply" with a descriptor of its
// own to read "back:node" from.
const fs = require('node:fs');
const rmsg = require('..');

async function main() {
  const sock = rmsg.Socket.from(3, { dup: false });
  const ping = await sock.recv();
  if (ping.data.toString() !== 'ping' || ping.fds.length !== 1) throw new Error(`unexpected ${ping.data}`);
  fs.writeSync(ping.fds[0], 'pong:node');
  fs.closeSync(ping.fds[0]);
  const [r, w] = rmsg.socketPair('stream');
  await w.send('back:node');
  w.close();
  await sock.send('reply', { fds: [r.fd] });
  r.close();
  sock.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
