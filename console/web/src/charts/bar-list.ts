/**
 * A ranked list with bars (top rules, top ATT&CK for ICS techniques, grade
 * totals): label, bar scaled to the largest count, count.
 */
import { scaleLinear } from 'd3';
import { h } from '../dom.js';

export interface BarItem {
  readonly key: string;
  readonly label: string;
  readonly count: number;
  /** Extra CSS class of the bar (e.g. a grade colour). */
  readonly className?: string;
}

export function barList(items: readonly BarItem[], emptyText: string): HTMLElement {
  if (!items.length) return h('p', { class: 'muted' }, emptyText);
  const width = scaleLinear().domain([0, Math.max(1, ...items.map((i) => i.count))]).range([2, 100]);
  return h('ol', { class: 'bar-list' }, ...items.map((item) => {
    const bar = h('span', { class: `bar ${item.className ?? ''}` });
    // A CSSOM property, not a style attribute: the page's CSP allows no inline style attributes.
    bar.style.width = `${width(item.count)}%`;
    return h('li', { 'data-key': item.key, title: item.key },
      h('span', { class: 'label' }, item.label),
      h('span', { class: 'track' }, bar),
      h('span', { class: 'count' }, String(item.count)));
  }));
}
