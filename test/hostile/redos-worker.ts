/**
 * Worker side of test/hostile/redos.test.ts: runs one named case and posts
 * its answer, so that the test can stop it if it hangs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { StreamMatcher } from '../../detector/sigma/stream/index.js';

const LINE = 65_536;
const repeatTo = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

function rule(detection: string): string {
  // A logsource with no route: matched on every event (unrouted: every-event), field names as written.
  return `title: hostile\nid: 5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f\nlogsource:\n    product: hostile-test\ndetection:\n${detection}`;
}

/** Hits of a one-rule matcher on events carrying `text` in process.command_line. */
function hits(ruleText: string, texts: readonly string[]): number[] {
  const set = parseRuleText(ruleText, 'hostile.yml');
  if (set.problems.length > 0) throw new Error(JSON.stringify(set.problems));
  const matcher = new StreamMatcher({ rules: set.rules, unrouted: 'every-event' });
  return texts.map((text) => matcher.match({ process: { command_line: text }, message: text }, () => undefined));
}

const cases: Record<string, () => unknown> = {
  // SigmaHQ's pattern: about 90 s on 4 KiB for a backtracking engine.
  'polynomial regex': () => {
    const line = repeatTo('set && set environment invoke input &&', LINE);
    return hits(rule("    sel:\n        process.command_line|re|i: '(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*\"'\n    condition: sel\n"), [line, `${line}"`]);
  },
  // `?` makes the matcher use a RegExp; the naive one backtracks O(n^stars).
  'wildcards with ?': () => {
    const line = 'a'.repeat(LINE);
    return hits(rule("    sel:\n        process.command_line: '*a*a*a*a*a*a*a*a?b'\n    condition: sel\n"), [line, `${line}xb`]);
  },
  // An identifier pattern of many stars against long identifier names.
  'condition pattern': () => {
    const name = 'a'.repeat(1000);
    const set = parseRuleText(rule(`    ${name}:\n        process.command_line: x\n    ${name}b:\n        process.command_line: y\n    condition: 1 of ${'*a'.repeat(40)}*b\n`), 'hostile.yml');
    return set.rules.map((r) => [...r.identifiers.keys()].length);
  },
};

parentPort?.postMessage(cases[workerData as string]());
