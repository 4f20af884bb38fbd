/**
 * The alert's grades, tiers, statuses and transitions as plain data, with
 * no dependency: the node's code (core/alert.ts) and the browser console
 * (console/web/src) take them from here, so the buttons the console offers
 * are the transitions the API allows.
 */
export const Grades = ['I', 'II', 'III', 'IV'] as const;
export type Grade = (typeof Grades)[number];

export const UpperTiers = ['provincial', 'national'] as const;
export type UpperTier = (typeof UpperTiers)[number];

export const AlertStatuses = ['new', 'acknowledged', 'investigating', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof AlertStatuses)[number];

/** Statuses after which a hit of the same key opens a new alert instead of counting on the old one. */
export const ClosedStatuses: readonly AlertStatus[] = ['resolved', 'false_positive'];

/**
 * Which status may follow which. Open alerts move forward or close; a
 * closed alert may be reopened for investigation (a resolution found wrong),
 * never silently back to `new`.
 */
export const AlertTransitions: Readonly<Record<AlertStatus, readonly AlertStatus[]>> = {
  new: ['acknowledged', 'investigating', 'resolved', 'false_positive'],
  acknowledged: ['investigating', 'resolved', 'false_positive'],
  investigating: ['resolved', 'false_positive'],
  resolved: ['investigating'],
  false_positive: ['investigating'],
};
