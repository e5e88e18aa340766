// Type declarations of the rmsg package (lib/index.js).
/// <reference types="node" />

import type * as net from 'net';
import type * as dgram from 'dgram';

/** Fields every control item has. */
interface ItemBase {
  /** rmsg's name of the (level, type) pair: 'IPPROTO_IP/IP_TTL'. */
  name: string;
  /** cmsg_level. */
  level: number;
  /** cmsg_type. */
  type: number;
  /** The item's header claimed more bytes than the control buffer held. */
  truncated: boolean;
}

/** A time as seconds and nanoseconds. */
export interface Time {
  sec: number;
  nsec: number;
}

/** SCM_RIGHTS: descriptors, yours to close (also listed in Message.fds). */
export interface RightsItem extends ItemBase { kind: 'rights'; fds: number[] }
/** SCM_PIDFD: a pidfd of the sender, yours to close (-1 if none arrived). */
export interface PidfdItem extends ItemBase { kind: 'pidfd'; fd: number }
/** SCM_CREDENTIALS (enable 'creds'). */
export interface CredentialsItem extends ItemBase { kind: 'credentials'; pid: number; uid: number; gid: number }
/** SO_TIMESTAMP / SO_TIMESTAMPNS (and their _NEW forms). */
export interface TimestampItem extends ItemBase, Time { kind: 'timestamp' }
/** SO_TIMESTAMPING: software, legacy and hardware stamps (zero when not taken). */
export interface TimestampingItem extends ItemBase {
  kind: 'timestamping';
  software: Time;
  legacy: Time;
  hardware: Time;
}
/** Items with one number: drops (SO_RXQ_OVFL), mark, fragment size, GRO segment size, TLS record type, TTL, hop limit. */
export interface ValueItem extends ItemBase {
  kind: 'rxqOverflow' | 'mark' | 'fragSize' | 'udpGro' | 'tlsRecordType' | 'ipTtl' | 'ipv6HopLimit';
  value: number;
}
/** SCM_TIMESTAMPING_PKTINFO. */
export interface TsPktinfoItem extends ItemBase { kind: 'tsPktinfo'; ifindex: number; pktLength: number }
/** IP_PKTINFO: the interface and the local and destination addresses. */
export interface IpPktinfoItem extends ItemBase { kind: 'ipPktinfo'; ifindex: number; specDst: string; address: string }
/** IPV6_PKTINFO: the interface and the destination address. */
export interface Ipv6PktinfoItem extends ItemBase { kind: 'ipv6Pktinfo'; ifindex: number; address: string }
/** IP_TOS / IPV6_TCLASS: the byte, its DSCP (value >> 2) and ECN bits (value & 3). */
export interface TrafficClassItem extends ItemBase { kind: 'ipTos' | 'ipv6Tclass'; value: number; dscp: number; ecn: number }
/** IP_RECVERR / IPV6_RECVERR (receive with MSG_ERRQUEUE). */
export interface RecvErrItem extends ItemBase {
  kind: 'recvErr';
  errno: number;
  origin: number;
  icmpType: number;
  icmpCode: number;
  info: number;
  data: number;
  /** The node that reported the error, or null. */
  offender: string | null;
}
/** IP_ORIGDSTADDR / IPV6_ORIGDSTADDR: the original destination as address text. */
export interface OrigDstAddrItem extends ItemBase { kind: 'ipOrigDstAddr' | 'ipv6OrigDstAddr'; address: string }
/** IPV6_PATHMTU. */
export interface PathMtuItem extends ItemBase { kind: 'ipv6PathMtu'; address: string; mtu: number }
/** Items given as bytes: any kind rmsg does not decode, SCM_SECURITY labels, TCP stats, IP options. */
export interface BytesItem extends ItemBase { kind: 'raw' | 'security' | 'tsOptStats' | 'ipOptions'; data: Buffer }

/** A control item, told apart by `kind`. */
export type ControlItem =
  | RightsItem | PidfdItem | CredentialsItem | TimestampItem | TimestampingItem | ValueItem
  | TsPktinfoItem | IpPktinfoItem | Ipv6PktinfoItem | TrafficClassItem | RecvErrItem
  | OrigDstAddrItem | PathMtuItem | BytesItem;

export type ItemKind = ControlItem['kind'];

/** A received message. */
export class Message {
  private constructor();
  /** The data: small data are views of a pooled 64 KiB Buffer (Buffer.from(data) copies). */
  data: Buffer;
  /** msg_flags as the kernel returned them (MSG_TRUNC, MSG_CTRUNC ...). */
  flags: number;
  /** The byte count recvmsg(2) returned (a datagram's full length with MSG_TRUNC in the flags asked). */
  nbytes: number;
  /** The source address as text ('127.0.0.1:5353', '[::1]:5353', '/path', '@name'), or null when the kernel gave none (a socket pair, an unbound AF_UNIX sender, a stream). */
  address: string | null;
  /** The control items, in the order the kernel wrote them. */
  items: ControlItem[];
  /** Every descriptor received (SCM_RIGHTS, SCM_PIDFD), in order: yours to close. */
  fds: number[];
  /** The walk over the control bytes stopped at a malformed header. */
  malformed: boolean;
  /** MSG_TRUNC: the data did not fit bufsize. */
  readonly truncated: boolean;
  /** MSG_CTRUNC: the control data did not fit ancbufsize. */
  readonly controlTruncated: boolean;
  /** IP_TTL or IPV6_HOPLIMIT, if the message has one. */
  readonly ttl: number | undefined;
  /** The IP_TOS or IPV6_TCLASS item, if any. */
  readonly trafficClass: TrafficClassItem | undefined;
  /** The IP_PKTINFO or IPV6_PKTINFO item, if any. */
  readonly packetInfo: IpPktinfoItem | Ipv6PktinfoItem | undefined;
  /** The first item of a kind. */
  find<K extends ItemKind>(kind: K): Extract<ControlItem, { kind: K }> | undefined;
  /** The data cut at its UDP_GRO segment size (the whole data when it has none). */
  segments(): Buffer[];
}

/** Address text ('127.0.0.1:53', '[::1]:53', '/path', '@abstract') or parts. */
export type Address = string | { address: string; port?: number } | { path: string };

export interface RecvOptions {
  /** Most data bytes per message (default 65536, at most 2^24). */
  bufsize?: number;
  /** Control buffer bytes (default: sized for the receive options enabled on the socket, plus maxFds descriptors). */
  ancbufsize?: number;
  /** Descriptors to make room for (default 253 on AF_UNIX, 0 otherwise). */
  maxFds?: number;
  /** recvmsg(2) flags: MSG_PEEK, MSG_ERRQUEUE ... */
  flags?: number;
  /** Received descriptors close-on-exec (default true). */
  cloexec?: boolean;
  /** Aborting rejects with an AbortError and leaves the message queued. */
  signal?: AbortSignal;
}

export interface MessagesOptions extends RecvOptions {
  /** Receive this many at a time with recvBatch (default 1). */
  batch?: number;
}

export interface SendOptions {
  /** The destination, for an unconnected socket. */
  address?: Address | null;
  /** Descriptors to pass (SCM_RIGHTS); they stay yours. */
  fds?: number[];
  /** SCM_CREDENTIALS: given ids, or true for this process's. */
  credentials?: { pid: number; uid: number; gid: number } | true;
  /** IP_TTL (IPV6_HOPLIMIT on an IPv6 socket), 1 to 255. */
  ttl?: number;
  /** IPV6_HOPLIMIT, -1 (default) or 0 to 255. */
  hopLimit?: number;
  /** IP_TOS (IPV6_TCLASS on an IPv6 socket), 0 to 255: DSCP << 2 | ECN. */
  tos?: number;
  /** IPV6_TCLASS, -1 (default) or 0 to 255. */
  tclass?: number;
  /** IP_PKTINFO / IPV6_PKTINFO: send from this interface and source address. */
  pktinfo?: { ifindex?: number; address?: string | null };
  /** UDP_SEGMENT: the kernel splits the data into datagrams of this size (GSO). */
  segmentSize?: number;
  /** SCM_TXTIME, nanoseconds on the SO_TXTIME clock. */
  txtime?: bigint;
  /** Raw control items. */
  control?: Array<{ level: number; type: number; data: ArrayBufferView }>;
  /** sendmsg(2) flags (MSG_NOSIGNAL is always added). */
  flags?: number;
  /** Aborting a send that waits for room rejects with an AbortError; nothing was sent. */
  signal?: AbortSignal;
}

export type Data = string | ArrayBufferView | Array<string | ArrayBufferView>;

export type SocketType = 'udp4' | 'udp6' | 'unix-dgram' | 'unix-stream' | 'unix-seqpacket';

export type ReceiveOption =
  | 'pktinfo' | 'ttl' | 'hoplimit' | 'tos' | 'tclass' | 'recverr' | 'origdstaddr' | 'pathmtu'
  | 'fragsize' | 'gro' | 'creds' | 'pidfd' | 'timestamp' | 'timestampns' | 'rxqOverflow';

/** A socket whose descriptor rmsg owns, waited on by the event loop. */
export class Socket implements AsyncIterable<Message> {
  private constructor();
  /** A Socket over a descriptor (duplicated unless { dup: false }) or over the descriptor of a Node socket (always duplicated). */
  static from(source: number | net.Socket | net.Server | dgram.Socket, options?: { dup?: boolean }): Socket;
  /** The descriptor (-1 once closed). */
  readonly fd: number;
  readonly closed: boolean;
  /** AF_UNIX, AF_INET or AF_INET6. */
  readonly family: number;
  /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. */
  readonly type: number;
  recv(options?: RecvOptions): Promise<Message>;
  /** Up to count (1 to 1024, default 32) messages with one recvmmsg(2). */
  recvBatch(count?: number, options?: RecvOptions): Promise<Message[]>;
  /** A message if one is queued, else null. */
  tryRecv(options?: RecvOptions): Message | null;
  /** The messages queued, up to count; [] when none is. */
  tryRecvBatch(count?: number, options?: RecvOptions): Message[];
  messages(options?: MessagesOptions): AsyncGenerator<Message, void, undefined>;
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined>;
  /** Resolves with the bytes sent. */
  send(data: Data, options?: SendOptions): Promise<number>;
  /** The bytes sent, or null when the socket has no room. */
  trySend(data: Data, options?: Omit<SendOptions, 'signal'>): number | null;
  bind(address: Address): this;
  connect(address: Address, options?: { signal?: AbortSignal }): Promise<this>;
  listen(backlog?: number): this;
  accept(options?: { signal?: AbortSignal }): Promise<Socket>;
  /** The local address as text. */
  address(): string;
  /** The peer's address as text. */
  remoteAddress(): string;
  setOption(level: number, name: number, value: number | boolean): this;
  getOption(level: number, name: number): number;
  enable(...kinds: Array<ReceiveOption | ReceiveOption[]>): this;
  shutdown(how?: 'read' | 'write' | 'both'): this;
  ref(): this;
  unref(): this;
  /** Closes the descriptor; waiting operations reject with ERR_SOCKET_CLOSED. */
  close(): void;
  [Symbol.dispose](): void;
}

/** The rejection of an aborted operation (code 'ABORT_ERR', cause: the signal's reason). */
export class AbortError extends Error {
  constructor(reason?: unknown);
  code: 'ABORT_ERR';
}

/** Errors rmsg throws carry Node's `code` (EAGAIN, EPIPE, ... or an rmsg status name such as RMSG_ERR_TOO_MANY_FDS). */
export interface RmsgError extends Error {
  code: string;
  /** The negative OS error number, when there is one. */
  errno?: number;
  /** rmsg's status name, for errors of librmsg calls. */
  status?: string;
  syscall?: string;
}

export function createSocket(type: SocketType, options?: { bind?: Address; enable?: ReceiveOption[] }): Socket;
export function socketPair(type?: 'dgram' | 'stream' | 'seqpacket'): [Socket, Socket];
/** Closes every descriptor of the messages. */
export function closeFds(messages: Message | Message[]): void;
/** rmsg's name of a (level, type) pair. */
export function kindName(level: number, type: number): string;
/** Socket constants (AF_*, SOCK_*, SOL_*, MSG_*, SO_*, IP_*, IPV6_*, UDP_*). */
export const constants: Readonly<Record<string, number>>;
/** The path of the librmsg in use. */
export const libraryPath: string;
/** librmsg's version. */
export const version: string;
