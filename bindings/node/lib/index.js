'use strict';
// rmsg for Node.js: receive and send socket messages with their control
// data (descriptors, credentials, packet info, TTL, TOS/ECN, timestamps,
// GRO segments, errors) through librmsg, without blocking the event loop.
//
// The addon (src/rmsg_node.c, built to build/rmsg.node) gives the calls;
// this file gives the API: argument checks, the Socket class, Promises
// that wait on the loop (one libuv poll handle per socket), AbortSignal
// cancellation, and the message objects, decoded from the numbers the
// addon returns (decode()).

const fs = require('fs');
const net = require('net');
const dgram = require('dgram');
const path = require('path');
const util = require('util');

const packageRoot = path.join(__dirname, '..');

let native;
try {
  native = require(path.join(packageRoot, 'build', 'rmsg.node'));
} catch (e) {
  const err = new Error(
    `rmsg: cannot load the addon build/rmsg.node (${e.message}). In a checkout, ` +
      'build it with `node bindings/node/build.js` (after `cargo build --release`).'
  );
  err.code = 'ERR_RMSG_LOAD';
  throw err;
}

const C = Object.freeze({ ...native.constants });

// ---- the library ---------------------------------------------------------

// Where librmsg is looked for, in order (the first that loads wins), as
// the Python binding does:
// 1. $RMSG_LIBRARY, if set and not empty: nothing else is tried.
// 2. The build of the repository this package sits in (bindings/node of a
//    checkout): target/release/librmsg.so, then target/debug/librmsg.so.
// 3. The copy bundled in the package by `npm pack`: build/librmsg.so.0.
// 4. The system's librmsg.so.0 (the dynamic loader's search path).
function libraryCandidates() {
  const env = process.env.RMSG_LIBRARY;
  if (env) return { paths: [env], strict: true };
  const paths = [];
  if (
    path.basename(packageRoot) === 'node' &&
    path.basename(path.dirname(packageRoot)) === 'bindings'
  ) {
    const repo = path.dirname(path.dirname(packageRoot));
    for (const profile of ['release', 'debug']) {
      const p = path.join(repo, 'target', profile, 'librmsg.so');
      if (fs.existsSync(p)) paths.push(p);
    }
  }
  const bundled = path.join(packageRoot, 'build', 'librmsg.so.0');
  if (fs.existsSync(bundled)) paths.push(bundled);
  paths.push('librmsg.so.0');
  return { paths, strict: false };
}

function loadLibrary() {
  const { paths, strict } = libraryCandidates();
  const errors = [];
  for (const p of paths) {
    try {
      return native.load(p);
    } catch (e) {
      if (strict) {
        e.message = `rmsg: cannot load the library named by RMSG_LIBRARY: ${e.message}`;
        throw e;
      }
      errors.push(e.message);
    }
  }
  const err = new Error(
    'rmsg: cannot find librmsg (build it with `cargo build --release`, or set ' +
      `RMSG_LIBRARY to its path). Tried:\n  ${errors.join('\n  ')}`
  );
  err.code = 'ERR_RMSG_LOAD';
  throw err;
}

const libraryPath = loadLibrary();

// ---- errors and argument checks --------------------------------------------

function typeError(message, code = 'ERR_INVALID_ARG_TYPE') {
  const e = new TypeError(message);
  e.code = code;
  return e;
}

function rangeError(message) {
  const e = new RangeError(message);
  e.code = 'ERR_OUT_OF_RANGE';
  return e;
}

function closedError() {
  const e = new Error('the socket is closed');
  e.code = 'ERR_SOCKET_CLOSED';
  return e;
}

// An Error for an OS error number, as the addon makes them: code (EPIPE
// ...), errno (negative, as Node's system errors have it), syscall.
function errnoError(errno, syscall) {
  const [code, text] = util.getSystemErrorMap().get(-errno) || [`E${errno}`, 'unknown error'];
  const e = new Error(`${syscall}: ${text} (${code})`);
  e.code = code;
  e.errno = -errno;
  e.syscall = syscall;
  return e;
}

/** Rejects an operation cancelled through its AbortSignal. */
class AbortError extends Error {
  constructor(reason) {
    super('The operation was aborted', { cause: reason });
    this.name = 'AbortError';
    this.code = 'ABORT_ERR';
  }
}

function integer(value, name, lo, hi) {
  if (typeof value !== 'number') {
    throw typeError(`${name} must be a number, not ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw rangeError(`${name} must be an integer from ${lo} to ${hi}, not ${value}`);
  }
  return value;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `${typeof value} ${String(value)}`;
}

function checkSignal(signal) {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError(`signal must be an AbortSignal, not ${describe(signal)}`);
  }
  return signal;
}

function options(value, name = 'options') {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError(`${name} must be an object, not ${describe(value)}`);
  }
  return value;
}

// Address text as rmsg reads it ('127.0.0.1:53', '[::1]:53', '/path',
// '@abstract'), from that text or from { address, port } / { path }.
function addressText(value, name = 'address') {
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > C.MAX_ADDRESS_TEXT) {
      throw rangeError(`${name} must be 1 to ${C.MAX_ADDRESS_TEXT} characters`);
    }
    return value;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.path === 'string') return addressText(value.path, name);
    if (typeof value.address === 'string') {
      const port = integer(value.port ?? 0, `${name}.port`, 0, 65535);
      const kind = net.isIP(value.address);
      if (kind === 4) return `${value.address}:${port}`;
      if (kind === 6) return `[${value.address}]:${port}`;
      throw typeError(`${name}.address must be an IP address, not ${value.address}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  throw typeError(
    `${name} must be address text ('127.0.0.1:53', '[::1]:53', '/path', '@name') or ` +
      `{ address, port }, not ${describe(value)}`
  );
}

// ---- messages ------------------------------------------------------------

// Item kinds, by the number librmsg's rmsg_item_kind gives (RMSG_KIND_*).
const KINDS = [
  'raw', 'rights', 'credentials', 'pidfd', 'security', 'timestamp', 'timestamping',
  'rxqOverflow', 'mark', 'tsPktinfo', 'tsOptStats', 'ipPktinfo', 'ipTtl', 'ipTos',
  'recvErr', 'ipOrigDstAddr', 'fragSize', 'ipOptions', 'ipv6Pktinfo', 'ipv6HopLimit',
  'ipv6Tclass', 'ipv6OrigDstAddr', 'ipv6PathMtu', 'udpGro', 'tlsRecordType',
];

const names = new Map();
function kindName(level, type) {
  const key = level * 65536 + type;
  let n = names.get(key);
  if (n === undefined) {
    n = native.kindName(level, type);
    names.set(key, n);
  }
  return n;
}

/** A received message: data, flags, source address, control items, and
 * the descriptors that arrived with it (yours to close). */
class Message {
  constructor(data, flags, nbytes, address, items, fds, malformed) {
    this.data = data;
    this.flags = flags;
    this.nbytes = nbytes;
    this.address = address;
    this.items = items;
    this.fds = fds;
    this.malformed = malformed;
  }

  /** MSG_TRUNC: the data did not fit bufsize. */
  get truncated() {
    return (this.flags & C.MSG_TRUNC) !== 0;
  }

  /** MSG_CTRUNC: the control data did not fit ancbufsize. */
  get controlTruncated() {
    return (this.flags & C.MSG_CTRUNC) !== 0;
  }

  /** The first item of a kind ('ipTtl', 'rights' ...), or undefined. */
  find(kind) {
    for (const it of this.items) if (it.kind === kind) return it;
    return undefined;
  }

  /** IP_TTL or IPV6_HOPLIMIT, or undefined. */
  get ttl() {
    for (const it of this.items) if (it.kind === 'ipTtl' || it.kind === 'ipv6HopLimit') return it.value;
    return undefined;
  }

  /** The IP_TOS or IPV6_TCLASS item ({ value, dscp, ecn }), or undefined. */
  get trafficClass() {
    for (const it of this.items) if (it.kind === 'ipTos' || it.kind === 'ipv6Tclass') return it;
    return undefined;
  }

  /** The IP_PKTINFO or IPV6_PKTINFO item, or undefined. */
  get packetInfo() {
    for (const it of this.items) if (it.kind === 'ipPktinfo' || it.kind === 'ipv6Pktinfo') return it;
    return undefined;
  }

  /** The data cut into its UDP_GRO segments (the whole data when none). */
  segments() {
    const gro = this.find('udpGro');
    if (!gro || gro.value === 0) return [this.data];
    const out = [];
    for (let at = 0; at < this.data.length; at += gro.value) {
      out.push(this.data.subarray(at, Math.min(at + gro.value, this.data.length)));
    }
    return out;
  }
}

function stamp(num, v) {
  return { sec: num[v], nsec: num[v + 1] };
}

// One item from its slots (the addon's item_values writes them).
function makeItem(k, level, type, truncated, num, v, nv, data, strs, fds) {
  const kind = KINDS[k] ?? 'raw';
  const name = kindName(level, type);
  switch (kind) {
    case 'rights': {
      const list = [];
      for (let i = 0; i < nv; i++) {
        const fd = num[v + i];
        if (fd >= 0) {
          list.push(fd);
          fds.push(fd);
        }
      }
      return { kind, name, level, type, truncated, fds: list };
    }
    case 'pidfd': {
      const fd = nv > 0 && num[v] >= 0 ? num[v] : -1;
      if (fd >= 0) fds.push(fd);
      return { kind, name, level, type, truncated, fd };
    }
    case 'credentials':
      return { kind, name, level, type, truncated, pid: num[v], uid: num[v + 1], gid: num[v + 2] };
    case 'timestamp':
      return { kind, name, level, type, truncated, sec: num[v], nsec: num[v + 1] };
    case 'timestamping':
      return {
        kind, name, level, type, truncated,
        software: stamp(num, v), legacy: stamp(num, v + 2), hardware: stamp(num, v + 4),
      };
    case 'rxqOverflow':
    case 'mark':
    case 'fragSize':
    case 'udpGro':
    case 'tlsRecordType':
    case 'ipTtl':
    case 'ipv6HopLimit':
      return { kind, name, level, type, truncated, value: num[v] };
    case 'tsPktinfo':
      return { kind, name, level, type, truncated, ifindex: num[v], pktLength: num[v + 1] };
    case 'ipPktinfo':
      return {
        kind, name, level, type, truncated,
        ifindex: num[v], specDst: strs[num[v + 1]], address: strs[num[v + 2]],
      };
    case 'ipv6Pktinfo':
      return { kind, name, level, type, truncated, ifindex: num[v], address: strs[num[v + 1]] };
    case 'ipTos':
    case 'ipv6Tclass':
      return { kind, name, level, type, truncated, value: num[v], dscp: num[v + 1], ecn: num[v + 2] };
    case 'recvErr':
      return {
        kind, name, level, type, truncated,
        errno: num[v], origin: num[v + 1], icmpType: num[v + 2], icmpCode: num[v + 3],
        info: num[v + 4], data: num[v + 5], offender: num[v + 6] >= 0 ? strs[num[v + 6]] : null,
      };
    case 'ipOrigDstAddr':
    case 'ipv6OrigDstAddr':
      return { kind, name, level, type, truncated, address: strs[num[v]] };
    case 'ipv6PathMtu':
      return { kind, name, level, type, truncated, address: strs[num[v]], mtu: num[v + 1] };
    default: // raw, security, tsOptStats, ipOptions: bytes
      return { kind, name, level, type, truncated, data: data.subarray(num[v], num[v] + num[v + 1]) };
  }
}

// The addon's result, [numbers, data, strings], as Messages. numbers:
// [count], then per message [itemCount, flags, nbytes, dataOffset,
// dataLength, addressIndex (-1: none), malformed], each followed by its
// items: [kind, level, type, truncated, valueCount, values...]. data holds
// every message's data and raw item bytes; strings the address texts.
function decode(res) {
  try {
    return decodeMessages(res);
  } catch (e) {
    // The descriptors are ours since the addon returned: none may stay
    // open when the messages cannot be made.
    closeNumbers(res[0]);
    throw e;
  }
}

// Closes every descriptor written in a numbers array (decode()'s layout).
function closeNumbers(num) {
  let at = 1;
  for (let m = 0; m < num[0]; m++) {
    const count = num[at];
    at += 7;
    for (let i = 0; i < count; i++) {
      const kind = KINDS[num[at]];
      const nv = num[at + 4];
      if (kind === 'rights' || kind === 'pidfd') {
        for (let k = 0; k < nv; k++) if (num[at + 5 + k] >= 0) closeQuietly(num[at + 5 + k]);
      }
      at += 5 + nv;
    }
  }
}

function closeQuietly(fd) {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed by its owner
  }
}

function decodeMessages(res) {
  const num = res[0];
  const data = res[1];
  const strs = res[2];
  const n = num[0];
  const out = new Array(n);
  let at = 1;
  for (let m = 0; m < n; m++) {
    const count = num[at];
    const off = num[at + 3];
    const ai = num[at + 5];
    const items = new Array(count);
    const fds = [];
    const head = at;
    at += 7;
    for (let i = 0; i < count; i++) {
      const nv = num[at + 4];
      items[i] = makeItem(num[at], num[at + 1], num[at + 2], num[at + 3] === 1, num, at + 5, nv, data, strs, fds);
      at += 5 + nv;
    }
    out[m] = new Message(
      data.subarray(off, off + num[head + 4]),
      num[head + 1],
      num[head + 2],
      ai < 0 ? null : strs[ai],
      items,
      fds,
      num[head + 6] === 1
    );
  }
  return out;
}

/** Closes every descriptor of the messages (for messages you drop). */
function closeFds(messages) {
  for (const m of Array.isArray(messages) ? messages : [messages]) {
    for (const fd of m.fds) closeQuietly(fd);
    m.fds.length = 0;
  }
}

// ---- sockets -------------------------------------------------------------

const DEFAULT_BUFSIZE = 65536;
const MAX_BUFSIZE = 1 << 24;
const MAX_BATCH_BYTES = 1 << 28;

// Receive options named by enable(): [level, option] on any socket, and
// per IP family [name, IPv4 option, IPv6 option] (levels IPPROTO_IP and
// IPPROTO_IPV6; undefined where the family has none).
const SOCKET_OPTIONS = {
  creds: [C.SOL_SOCKET, C.SO_PASSCRED],
  pidfd: [C.SOL_SOCKET, C.SO_PASSPIDFD],
  timestamp: [C.SOL_SOCKET, C.SO_TIMESTAMP],
  timestampns: [C.SOL_SOCKET, C.SO_TIMESTAMPNS],
  rxqOverflow: [C.SOL_SOCKET, C.SO_RXQ_OVFL],
};
const IP_OPTIONS = [
  ['pktinfo', C.IP_PKTINFO, C.IPV6_RECVPKTINFO],
  ['ttl', C.IP_RECVTTL, C.IPV6_RECVHOPLIMIT],
  ['hoplimit', undefined, C.IPV6_RECVHOPLIMIT],
  ['tos', C.IP_RECVTOS, C.IPV6_RECVTCLASS],
  ['tclass', undefined, C.IPV6_RECVTCLASS],
  ['recverr', C.IP_RECVERR, C.IPV6_RECVERR],
  ['origdstaddr', C.IP_RECVORIGDSTADDR, C.IPV6_RECVORIGDSTADDR],
  ['pathmtu', undefined, C.IPV6_RECVPATHMTU],
  ['fragsize', C.IP_RECVFRAGSIZE, C.IPV6_RECVFRAGSIZE],
];

function optionFor(kind, family) {
  if (Object.hasOwn(SOCKET_OPTIONS, kind)) return SOCKET_OPTIONS[kind];
  if (family !== C.AF_INET && family !== C.AF_INET6) return undefined;
  if (kind === 'gro') return [C.SOL_UDP, C.UDP_GRO];
  const row = IP_OPTIONS.find((r) => r[0] === kind);
  const v6 = family === C.AF_INET6;
  const option = row && row[v6 ? 2 : 1];
  return option === undefined ? undefined : [v6 ? C.IPPROTO_IPV6 : C.IPPROTO_IP, option];
}

// Control items for send(), as the addon's build_control reads them: an
// op code (CTL_* in src/rmsg_node.c) and its arguments.
const CTL = {
  FDS: 1, CREDENTIALS: 2, IP_PKTINFO: 3, IPV6_PKTINFO: 4, IP_TOS: 5, IP_TTL: 6,
  IPV6_TCLASS: 7, IPV6_HOPLIMIT: 8, UDP_SEGMENT: 9, TXTIME: 10, RAW: 11,
};

function buffers(data) {
  const one = (b, name) => {
    if (typeof b === 'string') return Buffer.from(b);
    if (ArrayBuffer.isView(b)) return b;
    throw typeError(`${name} must be a Buffer, TypedArray, DataView or string, not ${describe(b)}`);
  };
  if (Array.isArray(data)) {
    if (data.length > 64) throw rangeError('data may have at most 64 buffers');
    return data.map((b, i) => one(b, `data[${i}]`));
  }
  return [one(data, 'data')];
}

const SEND_KEYS = new Set([
  'address', 'fds', 'credentials', 'ttl', 'hopLimit', 'tos', 'tclass', 'pktinfo',
  'segmentSize', 'txtime', 'control', 'flags', 'signal',
]);

const RECV_KEYS = new Set(['bufsize', 'ancbufsize', 'maxFds', 'flags', 'cloexec', 'signal']);

function unknownKeys(o, allowed, what) {
  for (const k of Object.keys(o)) {
    if (!allowed.has(k)) throw typeError(`${what} has no option ${JSON.stringify(k)}`, 'ERR_INVALID_ARG_VALUE');
  }
}

class Socket {
  #h;
  #fd;
  #family;
  #type;
  #readers = [];
  #writers = [];
  #events = 0;
  #anc = new Map(); // maxFds -> ancbufsize for the options enabled
  #defaults = null; // the checked options of recv() without options

  /** Use createSocket(), socketPair() or Socket.from(). */
  constructor(fd, token) {
    if (token !== OPEN) throw typeError('use rmsg.createSocket(), rmsg.socketPair() or rmsg.Socket.from()', 'ERR_ILLEGAL_CONSTRUCTOR');
    // Checked first (ENOTSOCK, EBADF): once open() returns, the handle
    // owns fd.
    this.#family = native.getsockopt(fd, C.SOL_SOCKET, C.SO_DOMAIN);
    this.#type = native.getsockopt(fd, C.SOL_SOCKET, C.SO_TYPE);
    this.#h = native.open(fd, (status, events) => this.#onPoll(status, events));
    this.#fd = fd;
  }

  /**
   * A Socket over an existing descriptor: a number, or the descriptor of
   * a net.Socket, net.Server or dgram.Socket. Node's objects keep their
   * own descriptor; the Socket gets a duplicate, as it does for a number
   * unless { dup: false }, which hands the number itself over.
   */
  static from(source, opts) {
    const o = options(opts);
    const dup = o.dup ?? true;
    if (typeof dup !== 'boolean') throw typeError('options.dup must be a boolean');
    let fd;
    if (typeof source === 'number') {
      fd = integer(source, 'fd', 0, 2 ** 31 - 1);
      if (!dup) return wrapFd(fd);
    } else if (source instanceof net.Socket || source instanceof net.Server) {
      fd = source._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) {
        throw typeError(`this ${source.constructor.name} has no descriptor (not connected or listening yet, or closed)`, 'ERR_INVALID_ARG_VALUE');
      }
      if (!dup) throw typeError('a Node socket keeps its descriptor: options.dup must not be false', 'ERR_INVALID_ARG_VALUE');
    } else if (source instanceof dgram.Socket) {
      const state = Object.getOwnPropertySymbols(source).find((s) => s.description === 'state symbol');
      fd = state ? source[state]?.handle?.fd : undefined;
      if (typeof fd !== 'number' || fd < 0) {
        throw typeError('this dgram.Socket has no descriptor (not bound yet, or closed)', 'ERR_INVALID_ARG_VALUE');
      }
      if (!dup) throw typeError('a Node socket keeps its descriptor: options.dup must not be false', 'ERR_INVALID_ARG_VALUE');
    } else {
      throw typeError(`source must be a descriptor, net.Socket, net.Server or dgram.Socket, not ${describe(source)}`);
    }
    return wrapFd(native.dup(fd));
  }

  /** The descriptor (owned by this Socket; -1 once closed). */
  get fd() {
    return this.#fd;
  }

  get closed() {
    return this.#fd < 0;
  }

  /** AF_UNIX, AF_INET or AF_INET6 (rmsg.constants). */
  get family() {
    return this.#family;
  }

  /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (rmsg.constants). */
  get type() {
    return this.#type;
  }

  #live() {
    if (this.#fd < 0) throw closedError();
    return this.#h;
  }

  // ---- waiting on the loop ----

  #onPoll(status, events) {
    if (status !== 0) {
      const err = errnoError(status, 'poll');
      for (const q of [this.#readers, this.#writers]) {
        for (const w of q.splice(0)) w.finish(err, undefined);
      }
    } else {
      if (events & C.UV_READABLE) this.#drain(this.#readers);
      if (events & C.UV_WRITABLE) this.#drain(this.#writers);
    }
    this.#updatePoll();
  }

  // Runs the waiting operations in order while the socket is ready.
  #drain(queue) {
    while (queue.length > 0 && this.#fd >= 0) {
      const w = queue[0];
      let result;
      try {
        result = w.attempt();
      } catch (e) {
        queue.shift();
        w.finish(e, undefined);
        continue;
      }
      if (result === null) break;
      queue.shift();
      w.finish(null, result);
    }
  }

  #updatePoll() {
    if (this.#fd < 0) return;
    const events = (this.#readers.length ? C.UV_READABLE : 0) | (this.#writers.length ? C.UV_WRITABLE : 0);
    if (events !== this.#events) {
      native.poll(this.#h, events);
      this.#events = events;
    }
  }

  // Queues attempt() to run when the socket is ready; the Promise settles
  // with its first non-null result. An abort removes it from the queue
  // before it ran, so nothing was received or sent.
  #wait(queue, attempt, signal) {
    return new Promise((resolve, reject) => {
      const w = { attempt, finish: null };
      let onAbort = null;
      w.finish = (err, value) => {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value);
      };
      if (signal) {
        onAbort = () => {
          const i = queue.indexOf(w);
          if (i >= 0) {
            queue.splice(i, 1);
            this.#updatePoll();
          }
          w.finish(new AbortError(signal.reason), undefined);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      queue.push(w);
      this.#updatePoll();
    });
  }

  // Tries now (when nobody waits before us), else waits.
  #op(queue, attempt, signal) {
    if (this.#fd < 0) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (queue.length === 0) {
      let result;
      try {
        result = attempt();
      } catch (e) {
        return Promise.reject(e);
      }
      if (result !== null) return Promise.resolve(result);
    }
    return this.#wait(queue, attempt, signal);
  }

  // ---- receive ----

  #ancFor(maxFds) {
    let a = this.#anc.get(maxFds);
    if (a === undefined) {
      a = native.controlSpace(this.#fd, maxFds);
      this.#anc.set(maxFds, a);
    }
    return a;
  }

  #recvOptions(opts, batch) {
    if (opts === undefined && this.#defaults !== null) return this.#defaults;
    const o = options(opts);
    unknownKeys(o, RECV_KEYS, 'recv options');
    const bufsize = integer(o.bufsize ?? DEFAULT_BUFSIZE, 'options.bufsize', 0, MAX_BUFSIZE);
    const maxFds = integer(o.maxFds ?? (this.#family === C.AF_UNIX ? C.SCM_MAX_FD : 0), 'options.maxFds', 0, C.SCM_MAX_FD);
    const ancbufsize = o.ancbufsize === undefined ? this.#ancFor(maxFds) : integer(o.ancbufsize, 'options.ancbufsize', 0, 2 ** 31 - 1);
    const flags = integer(o.flags ?? 0, 'options.flags', -(2 ** 31), 2 ** 31 - 1);
    const cloexec = o.cloexec ?? true;
    if (typeof cloexec !== 'boolean') throw typeError('options.cloexec must be a boolean');
    const signal = checkSignal(o.signal);
    const batchSize = batch ? integer(o.batch ?? 32, 'options.batch', 1, C.BATCH_MAX) : 0;
    const r = { bufsize, ancbufsize, flags, cloexec, signal, batch: batchSize, explicitAnc: o.ancbufsize !== undefined };
    if (opts === undefined) this.#defaults = r;
    return r;
  }

  /**
   * Receives one message: a Promise of a Message. Waits on the event loop
   * while nothing is queued. Options: bufsize (data bytes, 65536),
   * ancbufsize (control bytes; default: sized for the receive options
   * enabled on the socket, plus maxFds descriptors), maxFds (253 on
   * AF_UNIX, else 0), flags (MSG_PEEK, MSG_ERRQUEUE ...), cloexec (true),
   * signal (an AbortSignal: aborting leaves the message queued).
   */
  recv(opts) {
    let o;
    try {
      this.#live();
      o = this.#recvOptions(opts, false);
    } catch (e) {
      return Promise.reject(e);
    }
    const h = this.#h;
    return this.#op(this.#readers, () => {
      const r = native.recv(h, o.bufsize, o.ancbufsize, o.flags, o.cloexec);
      return r === null ? null : decode(r)[0];
    }, o.signal);
  }

  /**
   * Receives up to count messages (1 to 1024, default 32) with one
   * recvmmsg(2): a Promise of an array of at least one Message. Waits for
   * the first; takes what else is queued. Options as for recv().
   */
  recvBatch(count = 32, opts) {
    let o;
    try {
      this.#live();
      integer(count, 'count', 1, C.BATCH_MAX);
      o = this.#recvOptions(opts, false);
      if (count * o.bufsize > MAX_BATCH_BYTES) {
        throw rangeError(`count * bufsize must be at most ${MAX_BATCH_BYTES} bytes`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const h = this.#h;
    return this.#op(this.#readers, () => {
      const r = native.recvBatch(h, count, o.bufsize, o.ancbufsize, o.flags, o.cloexec);
      return r === null ? null : decode(r);
    }, o.signal);
  }

  /** Receives one message if one is queued, else returns null; never waits. */
  tryRecv(opts) {
    const h = this.#live();
    const o = this.#recvOptions(opts, false);
    const r = native.recv(h, o.bufsize, o.ancbufsize, o.flags, o.cloexec);
    return r === null ? null : decode(r)[0];
  }

  /** Receives up to count queued messages; an empty array when none is. */
  tryRecvBatch(count = 32, opts) {
    const h = this.#live();
    integer(count, 'count', 1, C.BATCH_MAX);
    const o = this.#recvOptions(opts, false);
    if (count * o.bufsize > MAX_BATCH_BYTES) throw rangeError(`count * bufsize must be at most ${MAX_BATCH_BYTES} bytes`);
    const r = native.recvBatch(h, count, o.bufsize, o.ancbufsize, o.flags, o.cloexec);
    return r === null ? [] : decode(r);
  }

  /**
   * An async iterator over the socket's messages (recv() options, plus
   * batch: receive that many at a time). It ends when the socket is
   * closed, and on a stream at end of file. Leaving the loop early closes
   * the descriptors of messages received in a batch and not yet given out.
   */
  async *messages(opts) {
    const o = options(opts);
    const batch = integer(o.batch ?? 1, 'options.batch', 1, C.BATCH_MAX);
    const { batch: _b, ...rest } = o;
    const recvOpts = Object.keys(rest).length ? rest : undefined;
    this.#recvOptions(recvOpts, false);
    const stream = this.#type === C.SOCK_STREAM || this.#type === C.SOCK_SEQPACKET;
    let pending = [];
    try {
      for (;;) {
        if (pending.length === 0) {
          try {
            pending = batch > 1 ? await this.recvBatch(batch, recvOpts) : [await this.recv(recvOpts)];
          } catch (e) {
            if (e.code === 'ERR_SOCKET_CLOSED') return;
            throw e;
          }
        }
        const m = pending.shift();
        if (stream && m.nbytes === 0 && m.items.length === 0) return;
        if (o.signal?.aborted) {
          pending.unshift(m);
          throw new AbortError(o.signal.reason);
        }
        yield m;
      }
    } finally {
      closeFds(pending);
    }
  }

  [Symbol.asyncIterator]() {
    return this.messages();
  }

  // ---- send ----

  #control(o) {
    const ctl = [];
    const v6 = this.#family === C.AF_INET6;
    if (o.fds !== undefined) {
      if (!Array.isArray(o.fds)) throw typeError(`options.fds must be an array of descriptors, not ${describe(o.fds)}`);
      if (o.fds.length > C.SCM_MAX_FD) throw rangeError(`one message carries at most ${C.SCM_MAX_FD} descriptors`);
      o.fds.forEach((fd, i) => integer(fd, `options.fds[${i}]`, 0, 2 ** 31 - 1));
      if (o.fds.length) ctl.push(CTL.FDS, o.fds);
    }
    if (o.credentials !== undefined) {
      const c = o.credentials === true ? { pid: process.pid, uid: process.getuid(), gid: process.getgid() } : options(o.credentials, 'options.credentials');
      ctl.push(
        CTL.CREDENTIALS,
        integer(c.pid, 'options.credentials.pid', -(2 ** 31), 2 ** 31 - 1),
        integer(c.uid, 'options.credentials.uid', 0, 2 ** 32 - 1),
        integer(c.gid, 'options.credentials.gid', 0, 2 ** 32 - 1)
      );
    }
    if (o.ttl !== undefined) ctl.push(v6 ? CTL.IPV6_HOPLIMIT : CTL.IP_TTL, integer(o.ttl, 'options.ttl', 1, 255));
    if (o.hopLimit !== undefined) ctl.push(CTL.IPV6_HOPLIMIT, integer(o.hopLimit, 'options.hopLimit', -1, 255));
    if (o.tos !== undefined) ctl.push(v6 ? CTL.IPV6_TCLASS : CTL.IP_TOS, integer(o.tos, 'options.tos', 0, 255));
    if (o.tclass !== undefined) ctl.push(CTL.IPV6_TCLASS, integer(o.tclass, 'options.tclass', -1, 255));
    if (o.pktinfo !== undefined) {
      const p = options(o.pktinfo, 'options.pktinfo');
      const ifindex = integer(p.ifindex ?? 0, 'options.pktinfo.ifindex', 0, 2 ** 31 - 1);
      let address = p.address ?? null;
      let six = v6;
      if (address !== null) {
        if (typeof address !== 'string' || net.isIP(address) === 0) {
          throw typeError(`options.pktinfo.address must be an IP address, not ${describe(address)}`, 'ERR_INVALID_ARG_VALUE');
        }
        six = net.isIP(address) === 6;
      }
      ctl.push(six ? CTL.IPV6_PKTINFO : CTL.IP_PKTINFO, ifindex, address);
    }
    if (o.segmentSize !== undefined) ctl.push(CTL.UDP_SEGMENT, integer(o.segmentSize, 'options.segmentSize', 1, 65535));
    if (o.txtime !== undefined) {
      if (typeof o.txtime !== 'bigint') throw typeError(`options.txtime must be a BigInt (nanoseconds), not ${describe(o.txtime)}`);
      if (o.txtime < 0n || o.txtime >= 2n ** 64n) throw rangeError('options.txtime must be from 0 to 2^64 - 1');
      ctl.push(CTL.TXTIME, o.txtime);
    }
    if (o.control !== undefined) {
      if (!Array.isArray(o.control)) throw typeError('options.control must be an array of { level, type, data }');
      o.control.forEach((c, i) => {
        const x = options(c, `options.control[${i}]`);
        if (!ArrayBuffer.isView(x.data)) throw typeError(`options.control[${i}].data must be a Buffer or TypedArray`);
        ctl.push(CTL.RAW, integer(x.level, `options.control[${i}].level`, 0, 2 ** 31 - 1), integer(x.type, `options.control[${i}].type`, 0, 2 ** 31 - 1), x.data);
      });
    }
    return ctl.length ? ctl : null;
  }

  #sendArgs(data, opts) {
    this.#live();
    const o = options(opts);
    unknownKeys(o, SEND_KEYS, 'send options');
    return {
      bufs: buffers(data),
      address: o.address === undefined || o.address === null ? null : addressText(o.address, 'options.address'),
      flags: integer(o.flags ?? 0, 'options.flags', -(2 ** 31), 2 ** 31 - 1),
      control: this.#control(o),
      signal: checkSignal(o.signal),
    };
  }

  /**
   * Sends one message: a Promise of the bytes sent. data: a Buffer,
   * TypedArray or string, or an array of them (gathered). Options:
   * address (for unconnected sockets), fds (descriptors: they stay
   * yours), credentials ({ pid, uid, gid } or true for this process's),
   * ttl and tos (IPV6_HOPLIMIT and IPV6_TCLASS on an IPv6 socket),
   * hopLimit, tclass, pktinfo ({ ifindex, address }: the source), 
   * segmentSize (UDP_SEGMENT, GSO), txtime (BigInt ns, SCM_TXTIME),
   * control ([{ level, type, data }] raw items), flags, signal.
   * MSG_NOSIGNAL is always added: a gone peer rejects with EPIPE.
   */
  send(data, opts) {
    let a;
    try {
      a = this.#sendArgs(data, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    const h = this.#h;
    return this.#op(this.#writers, () => native.send(h, a.bufs, a.address, a.flags, a.control), a.signal);
  }

  /** Sends now if the socket has room: the bytes sent, or null when it has none. */
  trySend(data, opts) {
    const a = this.#sendArgs(data, opts);
    if (a.signal) throw typeError('trySend takes no signal', 'ERR_INVALID_ARG_VALUE');
    if (this.#writers.length) return null;
    return native.send(this.#h, a.bufs, a.address, a.flags, a.control);
  }

  // ---- the socket itself ----

  /** Binds to address text ('127.0.0.1:0', '[::1]:0', '/path', '@name') or { address, port }. */
  bind(address) {
    native.bind(this.#live() && this.#fd, addressText(address));
    return this;
  }

  /** Connects; a Promise of this Socket once connected. */
  connect(address, opts) {
    let text;
    let signal;
    try {
      this.#live();
      text = addressText(address);
      signal = checkSignal(options(opts).signal);
    } catch (e) {
      return Promise.reject(e);
    }
    let started = false;
    return this.#op(this.#writers, () => {
      if (!started) {
        started = true;
        if (native.connect(this.#fd, text)) return this;
        return null;
      }
      const err = native.getsockopt(this.#fd, C.SOL_SOCKET, C.SO_ERROR);
      if (err !== 0) throw errnoError(err, 'connect');
      return this;
    }, signal);
  }

  /** Listens (stream and seqpacket sockets). */
  listen(backlog = 511) {
    native.listen(this.#live() && this.#fd, integer(backlog, 'backlog', 0, 2 ** 31 - 1));
    return this;
  }

  /** Accepts a connection: a Promise of a new Socket. */
  accept(opts) {
    let signal;
    try {
      this.#live();
      signal = checkSignal(options(opts).signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#op(this.#readers, () => {
      const fd = native.accept(this.#fd);
      return fd === null ? null : wrapFd(fd);
    }, signal);
  }

  /** The local address as text. */
  address() {
    return native.sockname(this.#live() && this.#fd, false);
  }

  /** The peer's address as text. */
  remoteAddress() {
    return native.sockname(this.#live() && this.#fd, true);
  }

  /** setsockopt(2) with an int value. */
  setOption(level, name, value) {
    this.#live();
    native.setsockopt(this.#fd, integer(level, 'level', 0, 2 ** 31 - 1), integer(name, 'name', 0, 2 ** 31 - 1), typeof value === 'boolean' ? Number(value) : integer(value, 'value', -(2 ** 31), 2 ** 31 - 1));
    this.#anc.clear();
    this.#defaults = null;
    return this;
  }

  /** getsockopt(2) of an int option. */
  getOption(level, name) {
    this.#live();
    return native.getsockopt(this.#fd, integer(level, 'level', 0, 2 ** 31 - 1), integer(name, 'name', 0, 2 ** 31 - 1));
  }

  /**
   * Turns on receive options by name, for this socket's family: 'pktinfo',
   * 'ttl' (IP_RECVTTL or IPV6_RECVHOPLIMIT), 'hoplimit', 'tos'
   * (IP_RECVTOS or IPV6_RECVTCLASS), 'tclass', 'recverr', 'origdstaddr',
   * 'pathmtu', 'fragsize', 'gro', 'creds', 'pidfd', 'timestamp',
   * 'timestampns', 'rxqOverflow'.
   */
  enable(...kinds) {
    this.#live();
    for (const k of kinds.flat()) {
      if (typeof k !== 'string') throw typeError(`each kind must be a string, not ${describe(k)}`);
      const opt = optionFor(k, this.#family);
      if (!opt) throw typeError(`${JSON.stringify(k)} is not a receive option of this socket's family`, 'ERR_INVALID_ARG_VALUE');
      this.setOption(opt[0], opt[1], 1);
    }
    return this;
  }

  /** shutdown(2): 'read', 'write' or 'both'. */
  shutdown(how = 'write') {
    const n = { read: C.SHUT_RD, write: C.SHUT_WR, both: C.SHUT_RDWR }[how];
    if (n === undefined) throw typeError(`how must be 'read', 'write' or 'both', not ${describe(how)}`, 'ERR_INVALID_ARG_VALUE');
    native.shutdown(this.#live() && this.#fd, n);
    return this;
  }

  /** Lets the process exit while this socket waits (as Node's handles' unref()). */
  unref() {
    native.ref(this.#live(), false);
    return this;
  }

  ref() {
    native.ref(this.#live(), true);
    return this;
  }

  /** Closes the descriptor. Waiting operations reject with ERR_SOCKET_CLOSED. */
  close() {
    if (this.#fd < 0) return;
    native.close(this.#h);
    this.#fd = -1;
    this.#events = 0;
    const err = closedError();
    for (const q of [this.#readers, this.#writers]) {
      for (const w of q.splice(0)) w.finish(err, undefined);
    }
  }

  [Symbol.dispose]() {
    this.close();
  }
}

const OPEN = Symbol('open');

function wrapFd(fd) {
  try {
    return new Socket(fd, OPEN);
  } catch (e) {
    // Not a socket, or already closed: the descriptor was handed over, so
    // it is closed here.
    closeQuietly(fd);
    throw e;
  }
}

const SOCKET_TYPES = {
  udp4: [C.AF_INET, C.SOCK_DGRAM],
  udp6: [C.AF_INET6, C.SOCK_DGRAM],
  'unix-dgram': [C.AF_UNIX, C.SOCK_DGRAM],
  'unix-stream': [C.AF_UNIX, C.SOCK_STREAM],
  'unix-seqpacket': [C.AF_UNIX, C.SOCK_SEQPACKET],
};

/**
 * A new socket: 'udp4', 'udp6', 'unix-dgram', 'unix-stream' or
 * 'unix-seqpacket' (non-blocking and close-on-exec). Options: bind
 * (address to bind), enable (receive options, as Socket.enable()).
 */
function createSocket(type, opts) {
  if (typeof type !== 'string') throw typeError(`type must be a string, not ${describe(type)}`);
  const t = SOCKET_TYPES[type];
  if (!Object.hasOwn(SOCKET_TYPES, type)) {
    throw typeError(`type must be one of ${Object.keys(SOCKET_TYPES).join(', ')}, not ${JSON.stringify(type)}`, 'ERR_INVALID_ARG_VALUE');
  }
  const o = options(opts);
  const s = wrapFd(native.socket(t[0], t[1], 0));
  try {
    if (o.enable !== undefined) s.enable(o.enable);
    if (o.bind !== undefined) s.bind(o.bind);
  } catch (e) {
    s.close();
    throw e;
  }
  return s;
}

/** A connected pair of AF_UNIX sockets: 'dgram' (default), 'stream' or 'seqpacket'. */
function socketPair(type = 'dgram') {
  const t = { dgram: C.SOCK_DGRAM, stream: C.SOCK_STREAM, seqpacket: C.SOCK_SEQPACKET }[type];
  if (t === undefined) throw typeError(`type must be 'dgram', 'stream' or 'seqpacket', not ${describe(type)}`, 'ERR_INVALID_ARG_VALUE');
  const [a, b] = native.socketpair(t);
  let first;
  try {
    first = wrapFd(a);
  } catch (e) {
    fs.closeSync(b);
    throw e;
  }
  try {
    return [first, wrapFd(b)];
  } catch (e) {
    first.close();
    throw e;
  }
}

module.exports = {
  Socket,
  Message,
  AbortError,
  createSocket,
  socketPair,
  closeFds,
  constants: C,
  libraryPath,
  version: native.version(),
  /** The rmsg name of a control-message kind ('IPPROTO_IP/IP_TTL'). */
  kindName(level, type) {
    return kindName(integer(level, 'level', -(2 ** 31), 2 ** 31 - 1), integer(type, 'type', -(2 ** 31), 2 ** 31 - 1));
  },
};
