/**
 * The orgs the caller sees (GET /api/v1/orgs), loaded once at login: pages
 * name an org by its name rather than its id, and the heat map bands
 * enterprises by category and industry.
 */
import type { OrgInfo } from './types.js';

export class OrgDirectory {
  private readonly byId: ReadonlyMap<string, OrgInfo>;

  constructor(readonly orgs: readonly OrgInfo[]) {
    this.byId = new Map(orgs.map((o) => [o.id, o]));
  }

  get(id: string): OrgInfo | undefined {
    return this.byId.get(id);
  }

  /** Its name; the id of an org the directory does not list (better the id than nothing). */
  name(id: string): string {
    return this.byId.get(id)?.name ?? id;
  }
}
