// The few HTML helpers the report needs: every string from a report goes through `escapeHtml`
// (node names, messages and reasons come from the cluster and the cloud, and are never markup).

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** `name="value"` pairs, escaped; undefined values are left out. */
export function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeHtml(String(value))}"`)
    .join('');
}

/** A number as SVG and CSS want it: at most two decimals, no exponent. */
export function num(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}

/** "2026-11-28 04:30:00 UTC" from an ISO timestamp; the input itself when it is not one. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "04:30:00" (UTC) from an ISO timestamp. */
export function formatClock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(11, 19);
}
