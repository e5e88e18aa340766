'use strict';
// Descriptors and credentials over AF_UNIX: socket pairs of every type,
// other processes (Node, Python through bindings/python, C through
// librmsg), Node's own net sockets, truncated control data.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { rmsg, repo, noLeak, readAll, runPeer } = require('./helpers');

const C = rmsg.constants;
const O_CLOEXEC = 0o2000000;

function cloexec(fd) {
  const flags = /flags:\s+([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1];
  return (parseInt(flags, 8) & O_CLOEXEC) !== 0;
}

before(async () => {
  // The first child process makes libuv's signal pipe, kept for the
  // process: make it before any descriptor is counted.
  await runPeer(process.execPath, ['-e', '0'], 'ignore');
});

for (const type of ['dgram', 'stream', 'seqpacket']) {
  test(`${type} socket pair: data, descriptors and credentials`, noLeak(async () => {
    const [a, b] = rmsg.socketPair(type);
    const [r, w] = rmsg.socketPair('stream');
    a.enable('creds');
    const sent = await b.send(['two ', 'parts'], { fds: [w.fd, w.fd], credentials: true });
    assert.equal(sent, 9);
    const m = await a.recv();
    assert.equal(m.data.toString(), 'two parts');
    assert.equal(m.truncated, false);
    assert.equal(m.controlTruncated, false);
    const creds = m.find('credentials');
    assert.deepEqual([creds.pid, creds.uid, creds.gid], [process.pid, process.getuid(), process.getgid()]);
    assert.equal(creds.name, 'SOL_SOCKET/SCM_CREDENTIALS');
    const rights = m.find('rights');
    assert.equal(rights.fds.length, 2);
    assert.deepEqual(m.fds, rights.fds);
    for (const fd of m.fds) {
      assert.notEqual(fd, w.fd);
      // Close-on-exec by default.
      assert.equal(cloexec(fd), true);
    }
    fs.writeSync(m.fds[0], 'through');
    assert.equal((await r.recv()).data.toString(), 'through');
    rmsg.closeFds(m);
    assert.deepEqual(m.fds, []);
    for (const s of [a, b, r, w]) s.close();
  }));
}

test('a stream iterator ends at end of file', noLeak(async () => {
  const [a, b] = rmsg.socketPair('stream');
  await b.send('one');
  b.close();
  const got = [];
  for await (const m of a) got.push(m.data.toString());
  assert.deepEqual(got.join(''), 'one');
  a.close();
}));

// Each peer receives "ping" with the write end of our pair, writes
// "pong:<lang>" through it, and replies with a descriptor to read
// "back:<lang>" from.
async function exchange(lang, command, args, env) {
  const [a, b] = rmsg.socketPair('dgram');
  const [r, w] = rmsg.socketPair('stream');
  await a.send('ping', { fds: [w.fd] });
  w.close();
  const run = runPeer(command, args, b.fd, env);
  b.close();
  // A datagram pair gives no end of file: a peer that dies before it
  // replies would leave the receive waiting for ever. Its exit cancels the
  // wait; what it sent before exiting is then still queued.
  const exited = new AbortController();
  run.then(() => exited.abort(), () => exited.abort());
  let reply;
  try {
    reply = await a.recv({ signal: exited.signal });
  } catch (e) {
    if (e.code !== 'ABORT_ERR') throw e;
    reply = a.tryRecv();
  }
  const { code, out } = await run;
  assert.equal(code, 0, `the ${lang} peer failed:\n${out}`);
  assert.ok(reply, `the ${lang} peer exited without replying:\n${out}`);
  assert.equal(reply.data.toString(), 'reply');
  assert.equal(reply.fds.length, 1);
  assert.equal(readAll(reply.fds[0]), `back:${lang}`);
  rmsg.closeFds(reply);
  assert.equal((await r.recv()).data.toString(), `pong:${lang}`);
  a.close();
  r.close();
}

test('descriptors from Node to Node in another process and back', noLeak(async () => {
  await exchange('node', process.execPath, [path.join(__dirname, 'peer.js')]);
}));

test('descriptors from Node to Python (bindings/python) and back', noLeak(async () => {
  await exchange('python', 'python3', [path.join(__dirname, 'peer.py')], {
    PYTHONPATH: path.join(repo, 'bindings', 'python'),
    RMSG_LIBRARY: rmsg.libraryPath,
  });
}));

test('descriptors from Node to a C program on librmsg and back', noLeak(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmsg-node-'));
  try {
    const exe = path.join(dir, 'peer');
    const lib = rmsg.libraryPath;
    execFileSync(process.env.CC || 'cc', [
      '-std=c99', '-Wall', '-Wextra', '-Werror', '-I', path.join(repo, 'include'),
      path.join(__dirname, 'peer.c'), lib, `-Wl,-rpath,${path.dirname(lib)}`, '-o', exe,
    ]);
    await exchange('c', exe, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}));

test('control data cut short: MSG_CTRUNC, and no descriptor left open', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  const fds = Array(8).fill(b.fd);
  await b.send('many', { fds });
  // Room for the header and two ints: the kernel installs two and
  // discards the rest.
  const m = await a.recv({ ancbufsize: 24 });
  assert.equal(m.controlTruncated, true);
  assert.ok(m.fds.length <= 2, `${m.fds.length} descriptors`);
  rmsg.closeFds(m);
  // No control buffer at all: every descriptor is dropped by the kernel.
  await b.send('none', { fds });
  const m2 = await a.recv({ ancbufsize: 0 });
  assert.equal(m2.controlTruncated, true);
  assert.deepEqual(m2.fds, []);
  a.close();
  b.close();
}));

test('a batch of messages, each with its own descriptors', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  for (let i = 0; i < 5; i++) await b.send(`m${i}`, { fds: Array(i).fill(b.fd) });
  const batch = await a.recvBatch(16);
  assert.equal(batch.length, 5);
  batch.forEach((m, i) => {
    assert.equal(m.data.toString(), `m${i}`);
    assert.equal(m.fds.length, i);
  });
  rmsg.closeFds(batch);
  assert.deepEqual(a.tryRecvBatch(), []);
  assert.equal(a.tryRecv(), null);
  a.close();
  b.close();
}));

test('net.Server and net.Socket descriptors: a Node Unix connection passes descriptors', noLeak(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmsg-node-'));
  const where = path.join(dir, 'server.sock');
  // pauseOnConnect: Node does not read from the accepted connection, so
  // that rmsg receives from it.
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise((resolve) => server.listen(where, resolve));
  const listening = rmsg.Socket.from(server);
  assert.equal(listening.address(), where);
  listening.close();
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  const client = net.connect(where);
  client.pause();
  await new Promise((resolve) => client.once('connect', resolve));
  const conn = await accepted;
  const tx = rmsg.Socket.from(client);
  const rx = rmsg.Socket.from(conn);
  const [r, w] = rmsg.socketPair('stream');
  await tx.send('F', { fds: [w.fd] });
  const m = await rx.recv();
  assert.equal(m.data.toString(), 'F');
  assert.equal(m.fds.length, 1);
  fs.writeSync(m.fds[0], 'via net');
  assert.equal((await r.recv()).data.toString(), 'via net');
  rmsg.closeFds(m);
  for (const s of [tx, rx, r, w]) s.close();
  // The Node objects still work: their descriptors were duplicated.
  conn.resume();
  const echoed = new Promise((resolve) => conn.once('data', resolve));
  client.write('still mine');
  assert.equal((await echoed).toString(), 'still mine');
  client.destroy();
  conn.destroy();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
}));

test('a listening unix-stream socket accepts, and descriptors cross the connection', noLeak(async () => {
  const name = `@rmsg-node-test-${process.pid}`;
  const server = rmsg.createSocket('unix-stream', { bind: name }).listen();
  const client = rmsg.createSocket('unix-stream');
  const [conn] = await Promise.all([server.accept(), client.connect(name)]);
  assert.equal(client.remoteAddress(), name);
  await client.send('x', { fds: [client.fd] });
  const m = await conn.recv();
  assert.equal(m.fds.length, 1);
  rmsg.closeFds(m);
  for (const s of [server, client, conn]) s.close();
}));

test('unix-dgram sockets bound to a path, and unix-seqpacket connections', noLeak(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmsg-node-'));
  const where = path.join(dir, 'dgram.sock');
  const rx = rmsg.createSocket('unix-dgram', { bind: where, enable: ['creds'] });
  assert.equal(rx.address(), where);
  const tx = rmsg.createSocket('unix-dgram');
  await tx.send('to a path', { address: where, fds: [tx.fd] });
  const m = await rx.recv();
  assert.equal(m.data.toString(), 'to a path');
  assert.equal(m.address, null); // an unbound sender: Linux gives no name
  assert.equal(m.find('credentials').pid, process.pid);
  assert.equal(m.fds.length, 1);
  rmsg.closeFds(m);
  const server = rmsg.createSocket('unix-seqpacket', { bind: path.join(dir, 'seq.sock') }).listen(4);
  const client = rmsg.createSocket('unix-seqpacket');
  const [conn] = await Promise.all([server.accept(), client.connect({ path: path.join(dir, 'seq.sock') })]);
  await client.send('record one');
  await client.send('record two', { fds: [client.fd] });
  const [one, two] = await conn.recvBatch(4);
  assert.equal(one.data.toString(), 'record one');
  assert.equal(two.data.toString(), 'record two');
  assert.equal(two.fds.length, 1);
  rmsg.closeFds(two);
  for (const s of [rx, tx, server, client, conn]) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
}));

test('credentials of another id are refused by the kernel: EPERM', noLeak(async () => {
  if (process.getuid() === 0) {
    // root may send any existing ids; send a pid that is not ours and not
    // an existing process instead.
    const [a, b] = rmsg.socketPair('dgram');
    await assert.rejects(b.send('x', { credentials: { pid: 2 ** 30, uid: 0, gid: 0 } }), { code: 'ESRCH' });
    a.close();
    b.close();
    return;
  }
  const [a, b] = rmsg.socketPair('dgram');
  await assert.rejects(b.send('x', { credentials: { pid: process.pid, uid: 0, gid: 0 } }), { code: 'EPERM' });
  a.close();
  b.close();
}));

test('received descriptors can be inheritable (cloexec: false)', noLeak(async () => {
  const [a, b] = rmsg.socketPair('dgram');
  await b.send('x', { fds: [b.fd] });
  const m = await a.recv({ cloexec: false });
  assert.equal(cloexec(m.fds[0]), false);
  rmsg.closeFds(m);
  a.close();
  b.close();
}));

test('constants come from the C headers', () => {
  assert.equal(C.SCM_RIGHTS, 1);
  assert.equal(C.AF_UNIX, 1);
  assert.equal(rmsg.kindName(C.SOL_SOCKET, C.SCM_RIGHTS), 'SOL_SOCKET/SCM_RIGHTS');
});
