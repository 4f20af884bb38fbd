/**
 * How deeply a YAML text nests, bounded from above in one pass over the
 * text, before any YAML parser sees it.
 *
 * The yaml library recurses once per level of nesting. Thousands of levels
 * (`- - - - ...` on one line, `[[[[...`, ever deeper indentation) overflow
 * the stack: usually a RangeError, but when the overflow happens while V8
 * compiles one of the library's regular expressions, V8 aborts the whole
 * process ("RegExpCompiler Allocation failed - process out of memory"). So
 * text from people and peers is measured first and refused above a depth
 * no real rule or configuration comes near.
 */

/** Levels of nesting accepted: Sigma rules and iisa configurations use fewer than ten. */
export const MAX_YAML_NESTING = 200;

const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * An upper bound of the nesting depth reached in `text`, and the 1-based line
 * where it first passes `limit` (undefined when it does not). Counts levels
 * of indentation, compact block indicators (`- `, `? `, `: ` at the start of
 * a line's content) and open flow brackets outside quotes; over-counting is
 * possible (a bracket in a plain scalar), under-counting is not meant to be.
 */
export function yamlNesting(text: string, limit: number = MAX_YAML_NESTING): { readonly depth: number; readonly line?: number } {
  const indents: number[] = [];
  let flow = 0;
  let depth = 0;
  let passedAt: number | undefined;
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i <= n) {
    let j = i;
    while (j < n && text.charCodeAt(j) === SPACE) j++;
    const column = j - i;
    let compact = 0;
    for (;;) {
      const c = text[j];
      const after = j + 1 >= n ? NEWLINE : text.charCodeAt(j + 1);
      if ((c === '-' || c === '?' || c === ':') && (after === SPACE || after === NEWLINE || after === 0x0d)) {
        compact++;
        j++;
        while (j < n && text.charCodeAt(j) === SPACE) j++;
      } else {
        break;
      }
    }
    const content = j < n && text.charCodeAt(j) !== NEWLINE && text[j] !== '#' && text[j] !== '\r';
    if (content && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= column) indents.pop();
      indents.push(column);
    }
    let quote = '';
    let previous = ' ';
    for (; j < n && text.charCodeAt(j) !== NEWLINE; j++) {
      const c = text[j];
      if (quote !== '') {
        if (quote === '"' && c === '\\') j++;
        else if (c === quote) quote = '';
      } else if ((c === '"' || c === "'") && ' [{,:'.includes(previous)) {
        quote = c;
      } else if (c === '#' && previous === ' ') {
        break;
      } else if (c === '[' || c === '{') {
        flow++;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      previous = c;
      const here = indents.length + compact + flow;
      if (here > depth) depth = here;
      if (passedAt === undefined && depth > limit) passedAt = line;
    }
    const here = indents.length + compact + flow;
    if (here > depth) depth = here;
    if (passedAt === undefined && depth > limit) passedAt = line;
    while (j < n && text.charCodeAt(j) !== NEWLINE) j++;
    i = j + 1;
    line++;
  }
  return passedAt === undefined ? { depth } : { depth, line: passedAt };
}
