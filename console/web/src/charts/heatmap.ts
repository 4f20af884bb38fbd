/**
 * The regulators' heat map: one square per enterprise, coloured by its most
 * serious open escalated alert, one band per category and industry. Hundreds
 * of enterprises fit: the squares of a band wrap to the width, and small
 * bands sit side by side. A square's tooltip names
 * the enterprise and its open alerts; clicking it filters the alert list.
 */
import { select } from 'd3';
import type { HeatCell } from '../posture-summary.js';
import type { Grade } from '../types.js';

export interface HeatmapOptions {
  readonly width: number;
  /** The band's heading for a group key ('' = not yet known). */
  readonly groupLabel: (group: string) => string;
  readonly cellTitle: (cell: HeatCell) => string;
  readonly onSelect?: (orgId: string) => void;
  /** The org shown selected, if any. */
  readonly selected?: string;
}

const CELL = 26;
const GAP = 4;
const BAND_HEAD = 22;
const BAND_GAP = 16;
/** Room for a band's heading ("Connected industrial enterprises · Home appliances (3)"). */
const BAND_MIN_WIDTH = 340;

/** CSS classes (styles.css) rather than colours here, so the palette lives in one place. */
export function gradeClass(grade: Grade | undefined): string {
  return grade ? `heat-${grade}` : 'heat-none';
}

export function heatmap(cells: readonly HeatCell[], options: HeatmapOptions): SVGSVGElement {
  const perRowMax = Math.max(1, Math.floor((options.width + GAP) / (CELL + GAP)));
  const groups = new Map<string, HeatCell[]>();
  for (const cell of cells) groups.set(cell.group, [...(groups.get(cell.group) ?? []), cell]);

  // Bands flow left to right and wrap, so thirty small bands (the national view) do not make a tall thin column.
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const bands = [...groups].map(([group, members]) => {
    const cols = Math.min(members.length, perRowMax);
    const width = Math.min(options.width, Math.max(BAND_MIN_WIDTH, cols * (CELL + GAP) - GAP));
    if (x > 0 && x + width > options.width) {
      x = 0;
      y += rowHeight + BAND_GAP;
      rowHeight = 0;
    }
    const band = { group, members, cols, left: x, top: y };
    rowHeight = Math.max(rowHeight, BAND_HEAD + Math.ceil(members.length / cols) * (CELL + GAP));
    x += width + BAND_GAP;
    return band;
  });
  const height = Math.max(y + rowHeight, CELL);

  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('class', 'heatmap')
    .attr('viewBox', `0 0 ${options.width} ${height}`)
    .attr('width', options.width)
    .attr('height', height)
    .attr('role', 'img');

  const band = svg.selectAll('g.band').data(bands).join('g')
    .attr('class', 'band')
    .attr('data-group', (d) => d.group)
    .attr('transform', (d) => `translate(${d.left},${d.top})`);
  band.append('text').attr('class', 'band-label').attr('x', 0).attr('y', 15).text((d) => `${options.groupLabel(d.group)} (${d.members.length})`);

  const cell = band.selectAll('g.cell').data((d) => d.members.map((member, i) => ({ ...member, col: i % d.cols, row: Math.floor(i / d.cols) }))).join('g')
    .attr('class', (d) => `cell ${gradeClass(d.worst)}${d.orgId === options.selected ? ' selected' : ''}`)
    .attr('data-org', (d) => d.orgId)
    .attr('data-worst', (d) => d.worst ?? 'none')
    .attr('transform', (d) => `translate(${d.col * (CELL + GAP)},${BAND_HEAD + d.row * (CELL + GAP)})`);
  cell.append('rect').attr('width', CELL).attr('height', CELL).attr('rx', 3);
  cell.append('text').attr('x', CELL / 2).attr('y', CELL / 2 + 4).attr('text-anchor', 'middle').text((d) => d.worst ?? '');
  cell.append('title').text((d) => options.cellTitle(d));
  if (options.onSelect) {
    const onSelect = options.onSelect;
    cell.classed('clickable', true).on('click', (_event, d) => onSelect(d.orgId));
  }
  return svg.node()!;
}
