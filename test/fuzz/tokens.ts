/**
 * Interesting tokens the mutator inserts: what breaks parsers in practice
 * (edge numbers, odd Unicode, NUL, quotes and escapes, format separators,
 * IPv6 literals, syslog PRI edges, deep nesting, format-string markers).
 * Grouped so a target can weight the groups that matter to it.
 */

export const NUMBERS: readonly string[] = [
  '0', '-0', '-1', '1', '00', '007', '1.5', '.5', '5.', '-.5', '1e3', '1e308', '1e309', '-1e309', '1e-400',
  '255', '256', '65535', '65536', '99999', '2147483647', '2147483648', '-2147483649', '4294967295', '4294967296',
  '9007199254740991', '9007199254740993', '18446744073709551616', '99999999999999999999999999', '0x1F', '0b101',
  'NaN', 'Infinity', '-Infinity', '1_000', '١٢٣', '+1', '--1', '1e', 'e1',
];

export const TIMES: readonly string[] = [
  '2026-11-25T14:00:01Z', '2026-11-25T14:00:01.123456789+08:00', '2026-02-29T00:00:00Z', '2024-02-29T24:00:00Z',
  '2026-13-45T25:61:61Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999+18:00', '+275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00Z', '2026-11-25T14:00:01+99:99', '2026-11-25 14:00:01', '2026-11-25T14:00:01', 'Nov 25 14:00:01',
  'Feb 30 24:60:60', 'Dec 31 23:59:59.999999', 'Xyz 99 99:99:99', '25/Nov/2026:14:00:01 +0800', '25-Nov-2026 14:00:01.123',
  '1795615201000', '1795615201', '1795615201.123456', '99999999999999', '8640000000000001', '-1', '1e13', '0.000001',
];

export const ADDRESSES: readonly string[] = [
  '0.0.0.0', '127.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.02.03.04', '1.2.3.4/33', '10.0.0.0/8',
  '::', '::1', '::ffff:10.1.1.1', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:1:1', 'fe80::1%eth0',
  '[2001:db8::1]:502', '[::1]', '1:2:3:4:5:6:7:8:9', ':::', '2001:db8::/129', '::ffff:999.1.1.1', 'gggg::1',
  '00:11:22:33:44:55', 'localhost', 'xn--fiqs8s.cn', '中文.example',
];

export const SYSLOG: readonly string[] = [
  '<0>', '<7>', '<13>', '<34>1 ', '<191>', '<192>', '<999>', '<-1>', '<>', '<1', '<00034>', '<34>2 ', '<134>1 - - - - - - ',
  '<34>1 2026-11-25T14:00:00.003+08:00 gw01 kernel - - - ', '<4>Nov 25 14:00:00 gw01 kernel: ', '[id k="v"] ', '[x@1 a="\\]" b="\\""] ',
  '[ ', '[a', '[a b=', '[a b="', '- ', '-', '\ufeff', 'kernel: ', 'app[123]: ', 'app[: ', '37 ', '0 ', '999999999 ',
];

export const SEPARATORS: readonly string[] = [
  ' ', '  ', '\t', '\n', '\r\n', '\r', '\v', '\f', '|', '\\|', '=', '\\=', ',', ';', ':', '::', '#', '"', '\\"', "'", '`',
  '\\', '\\\\', '/', '-', '--', '(', ')', '[', ']', '{', '}', '<', '>', '&', '?', '*', '%', '$', '@', '~', '^', '!',
];

export const UNICODE: readonly string[] = [
  '\0', '\x01', '\x1b[31m', '\x7f', '\u0085', '\u00a0', 'é', 'ß', 'İ', 'ı', 'K', 'ſ', '中文', '\u202e', '\u200b', '\ufeff',
  '\u2028', '\u2029', '\ud800', '\udc00', '\udbff\udfff', '😀', '\uffff', '\ufffd', 'Ω', 'ǅ',
];

export const FORMATS: readonly string[] = [
  '%s', '%n', '%x', '%%', '%d%d%d', '%{', '%Servers%', '${jndi:ldap://x}', '{{7*7}}', '<script>', "' OR 1=1--",
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '"__proto__"', 'null', 'true', 'false', 'undefined',
  'CEF:0|', 'CEF:1|a|b|c|d|e|10|', 'CEF:', '#separator \\x09', '#fields\t', '#types\t', '#set_separator\t,', '#empty_field\t(empty)',
  '#unset_field\t-', '#path\tmodbus', '(empty)', 'vector[string]', 'set[addr]', '-', 'HTTP/1.1', 'GET', '"GET / HTTP/1.1"',
  'client @0x7f ', 'query: ', ' IN ', ' A ', '+E(0)', 'adm=300:', 'OPC UA', 'AuditEventType', 'src=', 'dst=', 'act=',
];

/** All groups, for targets that take any. */
export const ALL_TOKENS: readonly string[] = [...NUMBERS, ...TIMES, ...ADDRESSES, ...SYSLOG, ...SEPARATORS, ...UNICODE, ...FORMATS];

/** JSON values a JSON-aware mutation puts in place of a field's value. */
export function interestingJsonValues(depth: number): unknown[] {
  let deepArray: unknown = 1;
  let deepObject: unknown = 1;
  for (let i = 0; i < depth; i++) {
    deepArray = [deepArray];
    deepObject = { a: deepObject };
  }
  return [
    null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 1e13, 1e21, '', ' ', 'x'.repeat(5000), '\0', '\ud800', '中文',
    [], {}, [null], [[]], { '': '' }, JSON.parse('{"__proto__":{"a":1}}'), ['a', 1, null, {}], deepArray, deepObject,
    ...NUMBERS.slice(0, 12), ...TIMES.slice(0, 8), ...ADDRESSES.slice(0, 12),
  ];
}
