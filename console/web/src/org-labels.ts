/**
 * The words for an org's category and industry in the current language:
 * the issue forms' checkboxes and the heat map's bands say them the same way.
 */
import type { MessageKey } from './dictionary.js';
import { t } from './i18n.js';

const CategoryKeys: Readonly<Record<string, MessageKey>> = { industrial: 'category.industrial', platform: 'category.platform', idres: 'category.idres' };
const IndustryKeys: Readonly<Record<string, MessageKey>> = {
  automotive: 'industry.automotive', aerospace: 'industry.aerospace', petrochemical: 'industry.petrochemical',
  machinery: 'industry.machinery', 'home-appliances': 'industry.home-appliances', electronics: 'industry.electronics',
};

/** An unlisted value shows as it is: better the code than nothing. */
export function categoryLabel(category: string): string {
  const key = CategoryKeys[category];
  return key ? t(key) : category === '' ? t('category.unknown') : category;
}

export function industryLabel(industry: string): string {
  const key = IndustryKeys[industry];
  return key ? t(key) : industry;
}
