/**
 * Syslog message headers: RFC 5424 and RFC 3164 (BSD), with or without the
 * `<PRI>` part (files written by syslog daemons drop it).
 *
 *   <34>1 2026-11-25T14:00:00.003+08:00 gw01 kernel - - - IN=eth0 ...      (5424)
 *   <4>Nov 25 14:00:00 gw01 kernel: [1234.5] IN=eth0 ...                   (3164)
 *   Nov 25 14:00:00 gw01 kernel: IN=eth0 ...                                (3164 in a file)
 *
 * Only the header is read here; the message body goes to the format parser.
 */

export interface SyslogEnvelope {
  readonly rfc: '5424' | '3164';
  readonly priority?: number;
  readonly facility?: number;
  readonly severity?: number;
  /** The header time as an ISO string with offset, when the header has one that parses. */
  readonly timestamp?: string;
  readonly hostname?: string;
  readonly appname?: string;
  readonly procid?: string;
  readonly msgid?: string;
  readonly structuredData?: Record<string, Record<string, string>>;
}

export interface SyslogMessage {
  readonly envelope: SyslogEnvelope;
  /** The MSG part (for 3164: after `TAG: `). */
  readonly body: string;
}

export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5',
  'local6', 'local7',
] as const;
export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

const PRI = /^<(\d{1,3})>/;
const RFC5424_HEAD = /^(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /;
const RFC3164_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? /;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;
// The tag ends in ": " (or "[pid]:"); "CEF:0|..." has no space after the colon and is body, not tag.
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]]{1,32})\])?:(?: |$)/;

/**
 * Parse a syslog header. Returns null when the text has no recognisable
 * header (the caller then treats the whole text as the body).
 * `receivedAt` supplies the year RFC 3164 omits: the header time is placed in
 * the year that puts it closest before the receive time (a December line read
 * in January belongs to last year).
 */
export function parseSyslog(text: string, receivedAt: Date): SyslogMessage | null {
  let rest = text;
  let priority: number | undefined;
  const pri = PRI.exec(rest);
  if (pri) {
    priority = Number(pri[1]);
    if (priority > 191) return null;
    rest = rest.slice(pri[0].length);
  }
  const base = priority === undefined ? {} : { priority, facility: priority >> 3, severity: priority & 7 };

  const v5424 = pri ? RFC5424_HEAD.exec(rest) : null;
  if (v5424 && v5424[1] === '1') {
    const sd = parseStructuredData(rest.slice(v5424[0].length));
    if (sd) {
      const ts = v5424[2] === '-' ? undefined : normaliseIso(v5424[2]);
      return {
        envelope: {
          rfc: '5424', ...base,
          ...(ts ? { timestamp: ts } : {}),
          ...nil('hostname', v5424[3]), ...nil('appname', v5424[4]), ...nil('procid', v5424[5]), ...nil('msgid', v5424[6]),
          ...(Object.keys(sd.data).length ? { structuredData: sd.data } : {}),
        },
        body: stripBom(sd.rest),
      };
    }
  }

  let timestamp: string | undefined;
  const bsd = RFC3164_TIME.exec(rest);
  const iso = bsd ? null : ISO_TIME.exec(rest);
  if (bsd) {
    timestamp = bsdTime(bsd, receivedAt);
    rest = rest.slice(bsd[0].length);
  } else if (iso) {
    timestamp = normaliseIso(iso[1]);
    rest = rest.slice(iso[0].length);
  } else if (!pri) {
    return null; // no PRI and no time: not a syslog line
  }

  let hostname: string | undefined;
  if (timestamp) {
    const space = rest.indexOf(' ');
    // The word after the time is the host unless it is already the tag ("kernel: ...").
    if (space > 0 && !rest.slice(0, space).endsWith(':')) {
      hostname = rest.slice(0, space);
      rest = rest.slice(space + 1);
    }
  }
  let appname: string | undefined;
  let procid: string | undefined;
  const tag = TAG.exec(rest);
  if (tag) {
    appname = tag[1];
    procid = tag[2];
    rest = rest.slice(tag[0].length);
  }
  return {
    envelope: {
      rfc: '3164', ...base,
      ...(timestamp ? { timestamp } : {}),
      ...(hostname ? { hostname } : {}),
      ...(appname ? { appname } : {}),
      ...(procid ? { procid } : {}),
    },
    body: rest,
  };
}

function nil<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value === '-' ? {} : ({ [key]: value } as Record<K, string>);
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function normaliseIso(text: string): string | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}

function bsdTime(m: RegExpExecArray, receivedAt: Date): string | undefined {
  const month = MONTHS[m[1]];
  if (month === undefined) return undefined;
  const millis = m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0;
  const at = (year: number) => new Date(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), millis);
  let date = at(receivedAt.getFullYear());
  // Allow a day of clock skew into the future before assuming last year.
  if (date.getTime() - receivedAt.getTime() > 86_400_000) date = at(receivedAt.getFullYear() - 1);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** RFC 5424 STRUCTURED-DATA: `-` or one or more `[id k="v" ...]`, values with `\"`, `\\`, `\]` escapes. */
function parseStructuredData(text: string): { data: Record<string, Record<string, string>>; rest: string } | null {
  const data: Record<string, Record<string, string>> = {};
  if (text.startsWith('-')) return { data, rest: text.slice(text.startsWith('- ') ? 2 : 1) };
  let i = 0;
  while (text[i] === '[') {
    i++;
    const idEnd = text.slice(i).search(/[ \]]/);
    if (idEnd <= 0) return null;
    const id = text.slice(i, i + idEnd);
    i += idEnd;
    const params: Record<string, string> = {};
    while (text[i] === ' ') {
      i++;
      const eq = text.indexOf('="', i);
      if (eq === -1) return null;
      const name = text.slice(i, eq);
      i = eq + 2;
      let value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) i++;
        value += text[i++];
      }
      if (text[i] !== '"') return null;
      i++;
      params[name] = value;
    }
    if (text[i] !== ']') return null;
    i++;
    data[id] = params;
  }
  if (i === 0) return null;
  return { data, rest: text[i] === ' ' ? text.slice(i + 1) : text.slice(i) };
}
