/**
 * Reading the ICSNPP test baselines in ../shared/corpora/ics: their
 * timestamps are masked (`XXXXXXXXXX.XXXXXX`), and some were cut with
 * `zeek-cut -n <link ids>`, which drops the header too. These helpers put
 * a real time back and, for cut files, rebuild the header the cut removed.
 */
import { readFileSync } from 'node:fs';
import type { ZeekLayout } from '../../../../collector/parsers/zeek/reader.js';
import { corpusPath } from '../../../helpers/paths.js';

export const MASKED_TS = /XXXXXXXXXX\.XXXXXX/g;
/** 2024-11-25T14:00:01.500Z */
export const REAL_TS = '1732543201.500000';

/** Corpus lines with every masked time replaced by REAL_TS. */
export function corpusLines(...parts: string[]): string[] {
  return readFileSync(corpusPath('ics', ...parts), 'utf8').replace(MASKED_TS, REAL_TS).split('\n').filter((l) => l.length > 0);
}

/** The raw (masked) corpus lines. */
export function maskedLines(...parts: string[]): string[] {
  return readFileSync(corpusPath('ics', ...parts), 'utf8').split('\n').filter((l) => l.length > 0);
}

/** Header lines of a layout without its `*link_id` columns (what `zeek-cut -n` left). */
export function cutHeader(layout: ZeekLayout): string[] {
  const fields = layout.fields.filter((f) => !f.endsWith('link_id'));
  return ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${layout.path}`, `#fields\t${fields.join('\t')}`];
}

