/**
 * The page's language: Chinese or English, chosen with the switch in the
 * header (or on the login page), remembered in localStorage, and by default
 * the browser's. Labels come from ./dictionary.ts; switching re-renders the
 * page through the listeners.
 */
import { Languages, translate, type Language, type MessageKey } from './dictionary.js';
import { h } from './dom.js';

const STORAGE_KEY = 'iisa.language';

function initial(): Language {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (Languages as readonly string[]).includes(saved)) return saved as Language;
  } catch {
    // Storage may be disabled; the browser's language still decides.
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current: Language = initial();
const listeners = new Set<() => void>();

export function language(): Language {
  return current;
}

export function t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  return translate(current, key, vars);
}

export function setLanguage(next: Language): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, still switched.
  }
  applyDocumentLanguage();
  for (const listener of listeners) listener();
}

/** `<html lang>` and the title follow the language (screen readers, fonts). */
export function applyDocumentLanguage(): void {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
}

export function onLanguageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** 中文 | English: each language named in itself. */
export function languageSwitch(): HTMLElement {
  const names: Record<Language, string> = { zh: '中文', en: 'English' };
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('lang.switch') },
    ...Languages.map((lang) => h('button', {
      type: 'button', class: lang === current ? 'active' : '', 'data-lang': lang, 'aria-pressed': String(lang === current),
      onclick: () => setLanguage(lang),
    }, names[lang])));
}
