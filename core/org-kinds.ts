/**
 * Enterprise categories (the three source families) and the key industries
 * of the national plan, as plain data with no dependency: the org registry
 * (core/orgs.ts) and the browser console's advisory form take them from here.
 */
export const Categories = ['industrial', 'platform', 'idres'] as const;
export const Industries = ['automotive', 'aerospace', 'petrochemical', 'machinery', 'home-appliances', 'electronics'] as const;
