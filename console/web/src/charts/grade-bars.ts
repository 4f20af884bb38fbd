/**
 * Grade counts over time: alerts first seen per time bucket, stacked by
 * grade (I at the bottom, where the eye starts), with a time axis.
 */
import { axisBottom, axisLeft, max, scaleBand, scaleLinear, select, timeFormat } from 'd3';
import type { GradeBucket } from '../posture-summary.js';
import { Grades, type Grade } from '../types.js';

export interface GradeBarsOptions {
  readonly width: number;
  readonly height: number;
  readonly gradeName: (grade: Grade) => string;
  /** Tick label of a bucket start. */
  readonly tickFormat?: (date: Date) => string;
}

const MARGIN = { top: 8, right: 8, bottom: 22, left: 30 };

export function gradeBars(buckets: readonly GradeBucket[], options: GradeBarsOptions): SVGSVGElement {
  const { width, height } = options;
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const total = (b: GradeBucket) => Grades.reduce((sum, g) => sum + b.counts[g], 0);
  const x = scaleBand<number>().domain(buckets.map((b) => b.start)).range([0, innerW]).padding(0.15);
  const y = scaleLinear().domain([0, Math.max(1, max(buckets, total) ?? 0)]).nice().range([innerH, 0]);

  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('class', 'grade-bars').attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height).attr('role', 'img');
  const plot = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);

  const stacks = buckets.map((b) => {
    let base = 0;
    return Grades.map((grade) => {
      const segment = { start: b.start, grade, count: b.counts[grade], y0: base, y1: base + b.counts[grade] };
      base = segment.y1;
      return segment;
    }).filter((s) => s.count > 0);
  }).flat();

  plot.selectAll('rect').data(stacks).join('rect')
    .attr('class', (d) => `bar heat-${d.grade}`)
    .attr('data-grade', (d) => d.grade)
    .attr('x', (d) => x(d.start) ?? 0)
    .attr('width', x.bandwidth())
    .attr('y', (d) => y(d.y1))
    .attr('height', (d) => y(d.y0) - y(d.y1))
    .append('title').text((d) => `${options.gradeName(d.grade)}: ${d.count}`);

  const format = options.tickFormat ?? timeFormat('%H:%M');
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  plot.append('g').attr('class', 'axis').attr('transform', `translate(0,${innerH})`)
    .call(axisBottom(x).tickValues(buckets.filter((_b, i) => i % every === 0).map((b) => b.start)).tickFormat((d) => format(new Date(d))));
  plot.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4).tickFormat((d) => String(d)));
  return svg.node()!;
}
