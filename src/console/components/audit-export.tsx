import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { type AuditFilter, exportQuery } from '../audit-filters.js';

const FORMATS = [
  { format: 'csv', label: 'CSV' },
  { format: 'jsonl', label: 'JSON Lines' },
] as const;

/**
 * Downloads what the filters select from the export endpoint (`endpoint` is `/v1/audit/<ns>` or, across namespaces,
 * `/v1/audit`). A plain link cannot carry the token, so the file is fetched with it and saved from a Blob; the name
 * says what it holds and when (`app-audit-2026-12-07.csv`).
 */
export function AuditExport({ api, endpoint, filter, name }: { api: Api; endpoint: string; filter: AuditFilter; name: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const download = async (format: 'csv' | 'jsonl'): Promise<void> => {
    setBusy(format);
    setError(null);
    try {
      const response = await api.get(`${endpoint}?${exportQuery(filter, format)}`);
      if (!response.ok) throw new Error(await failure(response));
      save(await response.blob(), `${name}-audit-${new Date().toISOString().slice(0, 10)}.${format}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="audit-export" role="group" aria-label="Export">
      <span class="muted small">Export</span>
      {FORMATS.map(({ format, label }) => (
        <button key={format} class="button small" type="button" disabled={busy !== null} onClick={() => void download(format)}>
          {busy === format ? 'Exporting…' : label}
        </button>
      ))}
      {error && (
        <span class="alert alert-error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

async function failure(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function save(blob: Blob, file: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; the next task is late enough.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
