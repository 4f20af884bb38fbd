/**
 * Events as a table (alert evidence, event search, hunt results): time,
 * dataset, action, addresses and the message; a row opens to the whole
 * event as JSON.
 */
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { t } from '../i18n.js';
import type { EcsEvent } from '../types.js';

function endpoint(e: { ip?: string; port?: number } | undefined): string {
  if (!e?.ip) return '';
  // An IPv6 address with a port is written in brackets, as in a URL.
  const ip = e.ip.includes(':') && e.port !== undefined ? `[${e.ip}]` : e.ip;
  return e.port !== undefined ? `${ip}:${e.port}` : ip;
}

export function eventTable(events: readonly EcsEvent[]): HTMLElement {
  if (!events.length) return h('p', { class: 'muted' }, t('events.none'));
  // Wide rows scroll inside their box instead of widening the page.
  return h('div', { class: 'table-scroll' }, h('table', { class: 'events' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('events.time')), h('th', {}, t('events.dataset')), h('th', {}, t('events.action')),
      h('th', {}, t('events.source')), h('th', {}, t('events.destination')), h('th', {}, t('events.message')))),
    h('tbody', {}, ...events.map((e) => {
      const details = h('details', {},
        h('summary', {}, e.message ?? e.event.original ?? e.event.action ?? ''),
        h('pre', {}, JSON.stringify(e, null, 2)));
      return h('tr', { 'data-event-id': e.event.id },
        h('td', { class: 'nowrap' }, formatTime(e['@timestamp'])),
        h('td', {}, e.event.dataset ?? ''),
        h('td', {}, e.event.action ?? ''),
        h('td', { class: 'mono' }, endpoint(e.source)),
        h('td', { class: 'mono' }, endpoint(e.destination)),
        h('td', { class: 'message' }, details));
    }))));
}
