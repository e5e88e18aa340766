'use strict';
// The API's behaviour: waiting on the loop without threads, AbortSignal
// cancellation, close while waiting, the async iterator, errors and their
// codes, and bad arguments (TypeError / RangeError, never a crash).

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { rmsg, noLeak, runPeer } = require('./helpers');

const C = rmsg.constants;

before(async () => {
  await runPeer(process.execPath, ['-e', '0'], 'ignore');
});

function threads() {
  return fs.readdirSync('/proc/self/task').length;
}

test('waiting receives run on the event loop: no thread per socket, timers keep firing', noLeak(async () => {
  const before = threads();
  const pairs = Array.from({ length: 50 }, () => rmsg.socketPair('dgram'));
  const waiting = pairs.map(([a]) => a.recv());
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(threads(), before, 'threads were started for the waits');
  assert.ok(ticks > 0, 'the loop did not run while receives waited');
  pairs.forEach(([, b], i) => b.trySend(`n${i}`));
  const got = await Promise.all(waiting);
  clearInterval(timer);
  got.forEach((m, i) => assert.equal(m.data.toString(), `n${i}`));
  pairs.flat().forEach((s) => s.close());
}));

test('an aborted receive leaves the message (and its descriptors) queued', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  const ac = new AbortController();
  const waiting = a.recv({ signal: ac.signal });
  ac.abort(new Error('changed my mind'));
  await assert.rejects(waiting, (e) => {
    assert.equal(e.name, 'AbortError');
    assert.equal(e.code, 'ABORT_ERR');
    assert.equal(e.cause.message, 'changed my mind');
    return true;
  });
  // Already aborted: rejected at once, nothing received.
  await b.send('kept', { fds: [b.fd] });
  await assert.rejects(a.recv({ signal: ac.signal }), { name: 'AbortError' });
  await assert.rejects(a.recvBatch(8, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  const m = await a.recv();
  assert.equal(m.data.toString(), 'kept');
  assert.equal(m.fds.length, 1);
  rmsg.closeFds(m);
  // A timeout through AbortSignal.timeout.
  await assert.rejects(a.recv({ signal: AbortSignal.timeout(10) }), { name: 'AbortError' });
  // Aborting one of two waiters: the other gets the next message.
  const ac2 = new AbortController();
  const first = a.recv({ signal: ac2.signal });
  const second = a.recv();
  ac2.abort();
  await assert.rejects(first, { name: 'AbortError' });
  await b.send('for the second');
  assert.equal((await second).data.toString(), 'for the second');
  a.close();
  b.close();
}));

test('closing a socket with receives waiting rejects them with ERR_SOCKET_CLOSED', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  const waiting = [a.recv(), a.recvBatch(4), a.accept()];
  a.close();
  for (const w of waiting) await assert.rejects(w, { code: 'ERR_SOCKET_CLOSED' });
  await assert.rejects(a.recv(), { code: 'ERR_SOCKET_CLOSED' });
  assert.throws(() => a.tryRecv(), { code: 'ERR_SOCKET_CLOSED' });
  assert.throws(() => a.address(), { code: 'ERR_SOCKET_CLOSED' });
  assert.equal(a.fd, -1);
  assert.equal(a.closed, true);
  a.close(); // twice is fine
  b.close();
}));

test('the async iterator: in order, batched, and descriptors of messages not given out are closed', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  for (let i = 0; i < 6; i++) await b.send(`i${i}`, { fds: [b.fd] });
  const seen = [];
  for await (const m of a.messages({ batch: 4 })) {
    seen.push(m.data.toString());
    rmsg.closeFds(m);
    if (seen.length === 2) break; // two more of the first batch are dropped, closed
  }
  assert.deepEqual(seen, ['i0', 'i1']);
  const rest = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(async () => {
    for await (const m of a.messages({ signal: ac.signal })) {
      rest.push(m.data.toString());
      rmsg.closeFds(m);
    }
  }, { name: 'AbortError' });
  assert.deepEqual(rest, ['i4', 'i5']);
  // Closing the socket ends an iteration.
  const ended = (async () => {
    for await (const m of a) rmsg.closeFds(m);
    return 'ended';
  })();
  setTimeout(() => a.close(), 5);
  assert.equal(await ended, 'ended');
  b.close();
}));

test('sends that wait for room, and EPIPE from a stream whose peer has gone', noLeak(async () => {
  const [a, b] = rmsg.socketPair('stream');
  b.setOption(C.SOL_SOCKET, C.SO_SNDBUF, 4096);
  const chunk = Buffer.alloc(65536);
  let sent = 0;
  while (b.trySend(chunk) !== null) sent++;
  assert.ok(sent < 100, 'the send buffer never filled');
  const waiting = b.send('after');
  let drained = 0;
  while (drained < 1) {
    const m = await a.recv();
    drained += m.nbytes;
  }
  assert.ok((await waiting) > 0);
  a.close();
  await assert.rejects(b.send('gone'), (e) => {
    assert.equal(e.code, 'EPIPE');
    assert.equal(e.status, 'RMSG_ERR_BROKEN_PIPE');
    assert.equal(e.errno, -32);
    return true;
  });
  b.close();
}));

test("rmsg's own statuses are error codes by name", noLeak(async () => {
  const s = rmsg.createSocket('udp4');
  await assert.rejects(s.send('x', { address: 'not an address' }), { code: 'RMSG_ERR_INVALID_ADDRESS', status: 'RMSG_ERR_INVALID_ADDRESS' });
  assert.throws(() => s.bind('999.1.1.1:0'), { code: 'RMSG_ERR_INVALID_ADDRESS' });
  await assert.rejects(s.send('x', { address: '127.0.0.1:9', fds: [0], control: [{ level: C.SOL_SOCKET, type: C.SCM_RIGHTS, data: Buffer.alloc(4 * 253) }] }), { code: 'RMSG_ERR_TOO_MANY_FDS' });
  s.close();
  assert.throws(() => rmsg.Socket.from(fs.openSync(__filename, 'r'), { dup: false }), { code: 'ENOTSOCK' });
}));

test('bad arguments: TypeError or RangeError', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  const types = [
    () => a.recv({ bufsize: 'big' }),
    () => a.recv({ ancbufsize: null }),
    () => a.recv({ signal: {} }),
    () => a.recv({ cloexec: 1 }),
    () => a.recv({ nonsense: 1 }),
    () => a.recv(5),
    () => a.recvBatch('8'),
    () => b.send(5),
    () => b.send({}),
    () => b.send('x', { fds: 3 }),
    () => b.send('x', { fds: ['3'] }),
    () => b.send('x', { address: 5 }),
    () => b.send('x', { credentials: 'me' }),
    () => b.send('x', { pktinfo: { address: 'nowhere' } }),
    () => b.send('x', { txtime: 5 }),
    () => b.send('x', { control: [{ level: 1, type: 1, data: 'x' }] }),
  ];
  for (const f of types) await assert.rejects(f(), TypeError, f.toString());
  const ranges = [
    () => a.recv({ bufsize: -1 }),
    () => a.recv({ bufsize: 2 ** 60 }),
    () => a.recv({ bufsize: 1.5 }),
    () => a.recv({ ancbufsize: 2 ** 40 }),
    () => a.recv({ maxFds: 254 }),
    () => a.recvBatch(0),
    () => a.recvBatch(1025),
    () => a.recvBatch(1024, { bufsize: 1 << 20 }),
    () => b.send('x', { ttl: 0 }),
    () => b.send('x', { ttl: 256 }),
    () => b.send('x', { tos: -1 }),
    () => b.send('x', { fds: [-1] }),
    () => b.send('x', { fds: Array(254).fill(0) }),
    () => b.send('x', { segmentSize: 70000 }),
    () => b.send('x', { txtime: -1n }),
    () => b.send('x', { address: { address: '::1', port: 70000 } }),
    () => b.send(Array(65).fill('x')),
  ];
  for (const f of ranges) await assert.rejects(f(), RangeError, f.toString());
  assert.throws(() => rmsg.createSocket('tcp'), TypeError);
  assert.throws(() => rmsg.createSocket(4), TypeError);
  assert.throws(() => rmsg.socketPair('raw'), TypeError);
  assert.throws(() => rmsg.Socket.from('3'), TypeError);
  assert.throws(() => rmsg.Socket.from(-1), RangeError);
  assert.throws(() => rmsg.Socket.from(3, { dup: 'no' }), TypeError);
  assert.throws(() => new rmsg.Socket(3), TypeError);
  assert.throws(() => a.enable('nonsense'), TypeError);
  assert.throws(() => a.enable('ttl'), TypeError); // not a receive option of AF_UNIX
  assert.throws(() => a.setOption(C.SOL_SOCKET, 'x', 1), TypeError);
  assert.throws(() => a.shutdown('sideways'), TypeError);
  assert.throws(() => a.tryRecv({ bufsize: -5 }), RangeError);
  assert.throws(() => b.trySend('x', { signal: AbortSignal.abort() }), TypeError);
  assert.throws(() => rmsg.kindName('1', 1), TypeError);
  // Nothing was sent or received by any of them.
  assert.equal(a.tryRecv(), null);
  a.close();
  b.close();
}));

test('the addon called directly with garbage throws, never crashes', async () => {
  // In a child process, so that a crash would show as its exit status.
  const script = `
    const rmsg = require(${JSON.stringify(path.join(__dirname, '..'))});
    const native = require(${JSON.stringify(path.join(__dirname, '..', 'build', 'rmsg.node'))});
    const junk = [undefined, null, -1, 2 ** 53, NaN, 'x', {}, [], [1, 'a'], Buffer.alloc(1), () => 0, 1n, Symbol('s')];
    let calls = 0, threw = 0;
    for (const [name, fn] of Object.entries(native)) {
      if (typeof fn !== 'function' || name === 'load') continue;
      for (const x of junk) for (const y of [undefined, x, 0]) {
        calls++;
        try { fn(x, y, x, y, x, y); } catch (e) { threw++; if (!(e instanceof Error)) throw e; }
      }
    }
    // A real handle with bad arguments after it.
    const [a] = rmsg.socketPair('dgram');
    for (const args of [[-1, 0, 0, true], [1, -1, 0], [2 ** 31, 0, 0], [1, 0, 'x']]) {
      calls++;
      try { native.recv(a, ...args); } catch (e) { threw++; }
    }
    for (const ctl of [[99], [1, [-1]], [1, 'x'], [2, 1], [3, 1, 5], [10, -1n], [11, 1, 1, 'x'], [6]]) {
      calls++;
      try { native.send(a, [Buffer.alloc(1)], null, 0, ctl); } catch (e) { threw++; }
    }
    console.log(calls, threw);
  `;
  const { code, out } = await runPeer(process.execPath, ['-e', script], 'ignore');
  assert.equal(code, 0, out);
  const [calls, threw] = out.trim().split(' ').map(Number);
  assert.ok(calls > 500 && threw > 0, out);
});

test('a socket dropped without close() has its descriptor closed by the garbage collector', async () => {
  const script = `
    const fs = require('fs');
    const rmsg = require(${JSON.stringify(path.join(__dirname, '..'))});
    const count = () => fs.readdirSync('/proc/self/fd').length;
    const before = count();
    (() => { for (let i = 0; i < 20; i++) rmsg.socketPair('dgram'); })();
    const during = count();
    setTimeout(() => {
      global.gc();
      setImmediate(() => { global.gc(); setImmediate(() => console.log(before, during, count())); });
    }, 10);
  `;
  const { code, out } = await runPeer(process.execPath, ['--expose-gc', '-e', script], 'ignore');
  assert.equal(code, 0, out);
  const [before, during, after] = out.trim().split(' ').map(Number);
  assert.equal(during, before + 40);
  assert.equal(after, before);
});

test('an unref()ed socket does not keep the process alive', async () => {
  const script = `
    const rmsg = require(${JSON.stringify(path.join(__dirname, '..'))});
    const [a] = rmsg.socketPair('dgram');
    a.unref();
    a.recv().then(() => console.log('received?'));
    process.on('exit', () => console.log('exited'));
  `;
  const { code, out } = await runPeer(process.execPath, ['-e', script], 'ignore');
  assert.equal(code, 0, out);
  assert.equal(out.trim(), 'exited');
});

test('TypeScript declarations name every export', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  for (const name of Object.keys(rmsg)) {
    assert.match(dts, new RegExp(`export (declare )?(class|function|const) ${name}\\b`), name);
  }
});
