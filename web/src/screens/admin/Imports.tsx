// Upload an export (DTKS, DTSEN, P3KE, PMKS) and follow it; earlier imports below.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { IMPORT_SOURCES, imports, startImport } from '../../api/admin';
import { codeLabel, t } from '../../i18n';
import { dateTime, fileSize, num } from '../../format';
import { Link, navigate } from '../../router';
import { Badge, TableWrap } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { FileField, SelectField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useAsync } from '../../ui/useAsync';

export const statusTone = (status: string | null) =>
  status === 'failed'
    ? 'strong'
    : status === 'running'
      ? 'info'
      : status === 'duplicate'
        ? 'warn'
        : 'neutral';

function UploadForm() {
  const [source, setSource] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const e: Record<string, string[]> = {};
    if (!source) e.source = [t('form.requiredField')];
    if (!file) e.file = [t('imports.fileNeeded')];
    setLocal(e);
    if (!source || !file) return;
    setBusy(true);
    setError(null);
    try {
      const started = await startImport(source, file);
      navigate(`/imports/${started.batch_id}`);
    } catch (failure) {
      setError(asApiError(failure));
      setBusy(false);
    }
  };
  const err = (key: string) => local[key] ?? errorsAt(error?.fields, key);
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="upload-title">
      <h2 id="upload-title">{t('imports.new')}</h2>
      <ErrorBox error={error} focus />
      <SelectField
        label={t('imports.source')}
        required
        value={source}
        onValue={setSource}
        options={IMPORT_SOURCES.map((s) => ({ value: s, label: codeLabel('source', s) }))}
        error={err('source')}
      />
      <FileField
        label={t('imports.file')}
        hint={t('imports.fileHint')}
        required
        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        onFile={setFile}
        error={err('file')}
      />
      {file && <p class="meta">{`${file.name} · ${fileSize(file.size)}`}</p>}
      <button type="submit" disabled={busy}>
        {busy ? t('imports.uploading') : t('imports.upload')}
      </button>
    </form>
  );
}

export function Imports() {
  const list = useAsync((signal) => imports(signal), []);
  return (
    <Page title={t('imports.title')}>
      <UploadForm />
      <section aria-labelledby="earlier-title">
        <h2 id="earlier-title">{t('imports.earlier')}</h2>
        {list.loading && <Loading />}
        <ErrorBox error={list.error} />
        {list.data &&
          (list.data.length === 0 ? (
            <Empty>{t('imports.none')}</Empty>
          ) : (
            <TableWrap label={t('imports.earlier')}>
              <table>
                <caption class="visually-hidden">{t('imports.earlier')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('imports.batch')}</th>
                    <th scope="col">{t('imports.source')}</th>
                    <th scope="col">{t('imports.file')}</th>
                    <th scope="col">{t('imports.status')}</th>
                    <th scope="col">{t('imports.started')}</th>
                    <th scope="col" class="num">
                      {t('imports.rowsRead')}
                    </th>
                    <th scope="col" class="num">
                      {t('imports.rejected')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((b) => (
                    <tr key={b.id}>
                      <th scope="row">
                        <Link href={`/imports/${b.id}`}>#{b.id}</Link>
                      </th>
                      <td>{codeLabel('source', b.source)}</td>
                      <td class="break">{b.filename ?? '—'}</td>
                      <td>
                        <Badge tone={statusTone(b.status)}>
                          {codeLabel('importStatus', b.status)}
                        </Badge>
                      </td>
                      <td>{dateTime(b.started_at)}</td>
                      <td class="num">{num(b.rows_read)}</td>
                      <td class="num">{num(b.rejected)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
      </section>
    </Page>
  );
}
