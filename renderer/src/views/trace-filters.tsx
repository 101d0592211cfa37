import { useEffect, useRef, useState, type FormEvent } from 'react';
import { FILTER_KEYS, type TraceFilters } from '../api-types';
import { shortSession } from '../format';

type Values = Record<(typeof FILTER_KEYS)[number], string>;

const empty = (): Values => ({ status: '', model: '', provider: '', rule: '', verdict: '', meta: '', text: '', session: '' });

export function filtersFrom(params: URLSearchParams): TraceFilters {
  const out: TraceFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}

/**
 * The list's filters. They live in the URL (so a filtered view can be bookmarked and the back
 * button works); text fields apply on Enter, selects at once. `/` focuses the search box.
 */
export function FilterBar({ filters, tiers, onChange }: { filters: TraceFilters; tiers: string[]; onChange: (f: TraceFilters) => void }) {
  const [values, setValues] = useState<Values>(() => ({ ...empty(), ...filters }));
  const search = useRef<HTMLInputElement>(null);
  // The filters this bar itself last applied. When they reach the URL (a hashchange later) the
  // fields already show them, and resetting the fields then would wipe what was typed meanwhile.
  const applied = useRef<string | null>(null);
  const key = JSON.stringify(filters);
  useEffect(() => {
    if (applied.current === key) return;
    applied.current = null;
    setValues({ ...empty(), ...(JSON.parse(key) as TraceFilters) });
  }, [key]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || isTyping(e.target)) return;
      e.preventDefault();
      search.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const apply = (v: Values) => {
    const out: TraceFilters = {};
    for (const k of FILTER_KEYS) if (v[k].trim()) out[k] = v[k].trim();
    applied.current = JSON.stringify(out);
    onChange(out);
  };
  const clear = () => {
    setValues(empty());
    applied.current = JSON.stringify({});
    onChange({});
  };
  const set = (k: keyof Values, v: string, now = false) => {
    const next = { ...values, [k]: v };
    setValues(next);
    if (now) apply(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(values);
  };
  const text = (k: keyof Values, label: string, placeholder: string) => (
    <input aria-label={label} placeholder={placeholder} value={values[k]} onChange={(e) => set(k, e.target.value)} onBlur={() => apply(values)} data-testid={`filter-${k}`} />
  );
  const verdicts = tiers.flatMap((t) => [`${t}:block`, `${t}:mutate`]);

  return (
    <form className="filters" onSubmit={submit} role="search" data-testid="filters">
      <input ref={search} type="search" aria-label="Search text (press /)" placeholder="Search…  /" value={values.text} onChange={(e) => set('text', e.target.value)} data-testid="filter-text" />
      <select aria-label="Status" value={values.status} onChange={(e) => set('status', e.target.value, true)} data-testid="filter-status">
        <option value="">any status</option>
        <option value="ok">ok</option>
        <option value="error">errors</option>
        <option value="4xx">4xx</option>
        <option value="5xx">5xx</option>
        <option value="429">429</option>
      </select>
      {text('model', 'Model', 'model')}
      {text('provider', 'Provider', 'provider')}
      {text('rule', 'Rule fired', 'rule fired')}
      <select aria-label="Tier verdict" value={values.verdict} onChange={(e) => set('verdict', e.target.value, true)} data-testid="filter-verdict">
        <option value="">any verdict</option>
        {verdicts.map((v) => (
          <option key={v} value={v}>
            {v.replace(':', ' would ')}
          </option>
        ))}
      </select>
      {text('meta', 'Metadata key:value', 'meta key:value')}
      {filters.session && (
        <button type="button" className="chip" title="Show every session" onClick={() => onChange(Object.fromEntries(Object.entries(filters).filter(([k]) => k !== 'session')))} data-testid="filter-session">
          session {shortSession(filters.session)} ×
        </button>
      )}
      <button type="submit">Filter</button>
      {Object.keys(filters).length > 0 && (
        <button type="button" onClick={clear} data-testid="filter-clear">
          Clear
        </button>
      )}
    </form>
  );
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}
