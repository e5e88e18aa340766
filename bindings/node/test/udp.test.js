'use strict';
// UDP over 127.0.0.1 and ::1: packet info, TTL / hop limit, TOS / traffic
// class with ECN bits, truncation, batches from several senders, GSO and
// GRO, the error queue, and Node's dgram sockets.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const os = require('node:os');
const { rmsg, noLeak } = require('./helpers');

const C = rmsg.constants;
const ECONNREFUSED = -os.constants.errno.ECONNREFUSED;

test('IPv4: IP_PKTINFO, IP_TTL and IP_TOS with every ECN codepoint', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['pktinfo', 'ttl', 'tos'] });
  const tx = rmsg.createSocket('udp4', { bind: { address: '127.0.0.1', port: 0 } });
  for (const ecn of [0, 1, 2, 3]) {
    const tos = (10 << 2) | ecn;
    assert.equal(await tx.send(`ecn ${ecn}`, { address: rx.address(), ttl: 9 + ecn, tos }), 5);
    const m = await rx.recv();
    assert.equal(m.data.toString(), `ecn ${ecn}`);
    assert.equal(m.address, tx.address());
    assert.equal(m.ttl, 9 + ecn);
    assert.equal(m.find('ipTtl').name, 'IPPROTO_IP/IP_TTL');
    assert.deepEqual(
      { kind: m.trafficClass.kind, value: m.trafficClass.value, dscp: m.trafficClass.dscp, ecn: m.trafficClass.ecn },
      { kind: 'ipTos', value: tos, dscp: 10, ecn }
    );
    const pi = m.packetInfo;
    assert.equal(pi.kind, 'ipPktinfo');
    assert.equal(pi.address, '127.0.0.1');
    assert.equal(pi.specDst, '127.0.0.1');
    assert.ok(pi.ifindex > 0);
  }
  rx.close();
  tx.close();
}));

test('IPv6: IPV6_PKTINFO, IPV6_HOPLIMIT and IPV6_TCLASS with ECN bits', noLeak(async () => {
  const rx = rmsg.createSocket('udp6', { bind: '[::1]:0', enable: ['pktinfo', 'hoplimit', 'tclass'] });
  const tx = rmsg.createSocket('udp6', { bind: '[::1]:0' });
  // On an IPv6 socket ttl and tos are the hop limit and traffic class.
  await tx.send('six', { address: rx.address(), ttl: 7, tos: (46 << 2) | 1 });
  await tx.send('six again', { address: { address: '::1', port: Number(rx.address().split(':').pop()) }, hopLimit: 3, tclass: 2 });
  const [m, m2] = await rx.recvBatch(2);
  assert.equal(m.data.toString(), 'six');
  assert.equal(m.address, tx.address());
  assert.match(m.address, /^\[::1\]:\d+$/);
  assert.equal(m.find('ipv6HopLimit').value, 7);
  assert.equal(m.ttl, 7);
  const tc = m.find('ipv6Tclass');
  assert.deepEqual([tc.value, tc.dscp, tc.ecn], [(46 << 2) | 1, 46, 1]);
  assert.equal(m.packetInfo.kind, 'ipv6Pktinfo');
  assert.equal(m.packetInfo.address, '::1');
  assert.ok(m.packetInfo.ifindex > 0);
  assert.equal(m2.ttl, 3);
  assert.equal(m2.trafficClass.ecn, 2);
  rx.close();
  tx.close();
}));

test('a source address chosen with IP_PKTINFO, and IP_ORIGDSTADDR and timestamps', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['origdstaddr', 'timestampns'] });
  const tx = rmsg.createSocket('udp4');
  const before = Date.now() / 1000;
  await tx.send('from', { address: rx.address(), pktinfo: { address: '127.0.0.2' } });
  const m = await rx.recv();
  assert.match(m.address, /^127\.0\.0\.2:\d+$/);
  assert.equal(m.find('ipOrigDstAddr').address, rx.address());
  const ts = m.find('timestamp');
  assert.ok(ts.sec + ts.nsec / 1e9 >= before - 1 && ts.sec <= Date.now() / 1000 + 1, `${ts.sec}`);
  assert.ok(ts.nsec >= 0 && ts.nsec < 1e9);
  rx.close();
  tx.close();
}));

test('a datagram longer than bufsize: MSG_TRUNC, and its full length on request', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0' });
  const tx = rmsg.createSocket('udp4');
  await tx.send('0123456789', { address: rx.address() });
  await tx.send('0123456789', { address: rx.address() });
  const m = await rx.recv({ bufsize: 4 });
  assert.equal(m.truncated, true);
  assert.equal(m.data.toString(), '0123');
  assert.equal(m.nbytes, 4);
  const [m2] = await rx.recvBatch(4, { bufsize: 4, flags: C.MSG_TRUNC });
  assert.equal(m2.truncated, true);
  assert.equal(m2.nbytes, 10);
  // A control buffer too small for IP_PKTINFO.
  rx.enable('pktinfo', 'ttl');
  await tx.send('x', { address: rx.address() });
  const m3 = await rx.recv({ ancbufsize: 20 });
  assert.equal(m3.controlTruncated, true);
  assert.equal(m3.find('ipPktinfo'), undefined);
  rx.close();
  tx.close();
}));

test('an item the kernel cut short arrives as raw bytes, with MSG_CTRUNC', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['pktinfo'] });
  const tx = rmsg.createSocket('udp4');
  await tx.send('cut', { address: rx.address() });
  // A header and 8 of IP_PKTINFO's 12 bytes: too short to decode.
  const m = await rx.recv({ ancbufsize: 24 });
  assert.equal(m.controlTruncated, true);
  assert.equal(m.items.length, 1);
  const [item] = m.items;
  assert.equal(item.kind, 'raw');
  assert.equal(item.name, 'IPPROTO_IP/IP_PKTINFO');
  assert.equal(item.data.length, 8);
  assert.equal(m.packetInfo, undefined);
  rx.close();
  tx.close();
}));

test('a batch from several senders: each message with its own source and TTL', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['ttl'] });
  const senders = [1, 2, 3].map(() => rmsg.createSocket('udp4', { bind: '127.0.0.1:0' }));
  for (let round = 0; round < 2; round++) {
    for (const [i, s] of senders.entries()) s.trySend(`s${i}r${round}`, { address: rx.address(), ttl: 10 + i });
  }
  const got = [];
  while (got.length < 6) got.push(...(await rx.recvBatch(16)));
  got.forEach((m, k) => {
    const i = k % 3;
    assert.equal(m.data.toString(), `s${i}r${Math.floor(k / 3)}`);
    assert.equal(m.address, senders[i].address());
    assert.equal(m.ttl, 10 + i);
  });
  rx.close();
  senders.forEach((s) => s.close());
}));

test('UDP_SEGMENT (GSO) sent, UDP_GRO segments received', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['gro'] });
  const tx = rmsg.createSocket('udp4');
  const data = Buffer.alloc(250);
  for (let i = 0; i < data.length; i++) data[i] = i;
  assert.equal(await tx.send(data, { address: rx.address(), segmentSize: 100 }), 250);
  // The kernel may deliver the three datagrams coalesced (one message
  // with a UDP_GRO item) or one by one: either way, three segments of
  // 100, 100 and 50 bytes in order.
  const segments = [];
  while (segments.length < 3) {
    for (const m of await rx.recvBatch(8)) segments.push(...m.segments());
  }
  assert.deepEqual(segments.map((s) => s.length), [100, 100, 50]);
  assert.deepEqual(Buffer.concat(segments), data);
  rx.close();
  tx.close();
}));

test('an ICMP error: ECONNREFUSED from recv, and the error queue item', noLeak(async () => {
  const closed = rmsg.createSocket('udp4', { bind: '127.0.0.1:0' });
  const to = closed.address();
  closed.close();
  const s = rmsg.createSocket('udp4', { bind: '127.0.0.1:0' });
  await s.connect(to);
  await s.send('anyone?');
  await assert.rejects(s.recv(), (e) => {
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.errno, ECONNREFUSED);
    assert.equal(e.status, 'RMSG_ERR_OS');
    assert.equal(e.syscall, 'recvmsg');
    return true;
  });
  s.enable('recverr');
  await s.send('anyone?');
  // Wait until the error is queued: the pending error wakes a reader.
  await assert.rejects(s.recv(), { code: 'ECONNREFUSED' });
  const m = await s.recv({ flags: C.MSG_ERRQUEUE });
  const err = m.find('recvErr');
  assert.equal(err.errno, -ECONNREFUSED);
  assert.equal(err.origin, 2); // SO_EE_ORIGIN_ICMP
  assert.equal(err.icmpType, 3); // destination unreachable
  assert.equal(err.icmpCode, 3); // port unreachable
  assert.equal(err.offender, '127.0.0.1');
  assert.ok(m.flags & C.MSG_ERRQUEUE);
  s.close();
}));

test('dgram.Socket: its descriptor sends with a TTL, and Node still receives', noLeak(async () => {
  const rx = rmsg.createSocket('udp4', { bind: '127.0.0.1:0', enable: ['ttl'] });
  const node = dgram.createSocket('udp4');
  await new Promise((resolve) => node.bind(0, '127.0.0.1', resolve));
  const viaRmsg = rmsg.Socket.from(node);
  await viaRmsg.send('from dgram', { address: rx.address(), ttl: 33 });
  const m = await rx.recv();
  assert.equal(m.data.toString(), 'from dgram');
  assert.equal(m.ttl, 33);
  assert.equal(m.address, `127.0.0.1:${node.address().port}`);
  const heard = new Promise((resolve) => node.once('message', (msg, rinfo) => resolve([msg.toString(), rinfo.port])));
  await rx.send('to dgram', { address: m.address });
  assert.deepEqual(await heard, ['to dgram', Number(rx.address().split(':')[1])]);
  viaRmsg.close();
  rx.close();
  await new Promise((resolve) => node.close(resolve));
}));
