/**
 * Netfilter LOG lines as the kernel writes them to syslog:
 *   Nov 25 14:00:01 gw-01 kernel: [12345.678901] IPT-DROP IN=eth0 OUT= MAC=00:1b:21:aa:bb:cc:00:1b:21:dd:ee:ff:08:00 SRC=203.0.113.7 DST=10.1.1.20 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40522 DPT=502 WINDOW=29200 RES=0x00 SYN URGP=0
 * IPv6 packets carry TC/HOPLIMIT/FLOWLBL instead of TOS/PREC/TTL/ID, and the
 * MAC header ends in the IPv6 ethertype 86:dd.
 */
import { isIP } from 'node:net';
import { syslogTime, type Micros } from '../time.js';

export interface IptablesRecord {
  readonly time: Micros;
  readonly host: string;
  /** Seconds since the gateway booted, the kernel's `[uptime]` stamp. */
  readonly uptimeSeconds: number;
  readonly action: 'ACCEPT' | 'DROP';
  readonly inIf: string;
  /** Empty for packets to the gateway itself (INPUT chain). */
  readonly outIf: string;
  readonly dstMac: string;
  readonly srcMac: string;
  readonly src: string;
  readonly dst: string;
  readonly proto: 'TCP' | 'UDP';
  readonly spt: number;
  readonly dpt: number;
  readonly ttl: number;
  readonly ipId: number;
  readonly window: number;
}

export function renderIptables(r: IptablesRecord): string {
  const v6 = isIP(r.src) === 6;
  const head = `${syslogTime(r.time)} ${r.host} kernel: [${r.uptimeSeconds.toFixed(6).padStart(12, ' ')}] IPT-${r.action} IN=${r.inIf} OUT=${r.outIf} MAC=${r.dstMac}:${r.srcMac}:${v6 ? '86:dd' : '08:00'}`;
  const udpLen = 8 + 48;
  const ip = v6
    ? `SRC=${r.src} DST=${r.dst} LEN=${r.proto === 'TCP' ? 80 : 40 + udpLen} TC=0 HOPLIMIT=${r.ttl} FLOWLBL=0`
    : `SRC=${r.src} DST=${r.dst} LEN=${r.proto === 'TCP' ? 60 : 20 + udpLen} TOS=0x00 PREC=0x00 TTL=${r.ttl} ID=${r.ipId} DF`;
  const l4 = r.proto === 'TCP'
    ? `PROTO=TCP SPT=${r.spt} DPT=${r.dpt} WINDOW=${r.window} RES=0x00 SYN URGP=0`
    : `PROTO=UDP SPT=${r.spt} DPT=${r.dpt} LEN=${udpLen}`;
  return `${head} ${ip} ${l4}`;
}
