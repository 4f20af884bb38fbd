/**
 * BENCHMARKS.md is shared by every benchmark: each owns one `## ` section
 * and replaces only that, so figures of other benchmarks stay.
 */
export function replaceSection(document: string, heading: string, body: string): string {
  const marker = `## ${heading}`;
  const section = `${marker}\n\n${body.trim()}\n`;
  const start = document.indexOf(marker);
  if (start === -1) return `${document.trimEnd()}\n\n${section}`;
  const nextHeading = document.indexOf('\n## ', start + marker.length);
  const end = nextHeading === -1 ? document.length : nextHeading + 1;
  return `${document.slice(0, start)}${section}${end < document.length ? '\n' + document.slice(end) : ''}`;
}
