// The field visit: outcome, the questionnaire, one photo per kind, GPS; sent as one multipart
// request exactly as POST /tasks/{id}/visits takes it (services/gateway/service.py _visit_upload).
import { useMemo, useRef, useState } from 'preact/hooks';
import { asApiError, newId, type ApiError, type FieldErrors } from '../../api/client';
import { questionnaire } from '../../api/reference';
import { submitVisit, task as loadTask, type VisitForm as VisitBody } from '../../api/verification';
import type { Questionnaire, TaskDetail, VisitResult } from '../../api/types';
import { codeLabel, labelOf, t } from '../../i18n';
import { num } from '../../format';
import { Link } from '../../router';
import type { RouteProps } from '../../routes';
import { announce } from '../../status';
import { BackLink, Facts } from '../../ui/bits';
import { ErrorBox, ErrorSummary, Loading } from '../../ui/feedback';
import { errorsAt, flatten } from '../../ui/fieldErrors';
import { ChoiceGroup } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { FlagList } from '../households/Story';
import { GpsPanel, useGps } from './gps';
import { PhotoInput, type TakenPhoto } from './photos';
import { answerValue, checkAnswer, emptyAnswer, QuestionField, type Answer } from './questions';

const partName = (kind: string) => `foto_${kind}`;

function Form({ task, form }: { task: TaskDetail; form: Questionnaire }) {
  const startedAt = useRef(new Date().toISOString());
  const clientKey = useRef(newId()); // a resend of this visit is applied once
  const gps = useGps();
  const [outcome, setOutcome] = useState('');
  const [answers, setAnswers] = useState<Record<string, Answer>>(() =>
    Object.fromEntries(form.fields.map((q) => [q.name, emptyAnswer(q)])),
  );
  const [photos, setPhotos] = useState<Record<string, TakenPhoto | undefined>>({});
  const [fields, setFields] = useState<FieldErrors | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<VisitResult | null>(null);

  const found = outcome === 'found';
  const kinds = form.photo_kinds;
  const outcomes = form.outcomes.length
    ? form.outcomes.map((o) => ({ value: o.code, label: labelOf(o) }))
    : ['found', 'moved', 'split', 'deceased', 'not_found'].map((c) => ({
        value: c,
        label: codeLabel('outcome', c),
      }));
  const answered = form.fields.filter(
    (q) => answerValue(q, answers[q.name] ?? null) !== undefined,
  ).length;
  const taken = useMemo(
    () => kinds.filter((k) => photos[k.code]).map((k) => k.code),
    [kinds, photos],
  );

  const localCheck = (): FieldErrors => {
    const e: FieldErrors = {};
    if (!outcome) e.outcome = [t('form.requiredField')];
    if (found) {
      const a: FieldErrors = {};
      for (const q of form.fields) {
        const problem = checkAnswer(q, answers[q.name] ?? null);
        if (problem) a[q.name] = [problem];
      }
      if (Object.keys(a).length) e.answers = a;
      for (const k of kinds)
        if (k.required && !photos[k.code]) e[partName(k.code)] = [t('visit.photoNeeded')];
    }
    return e;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const local = localCheck();
    if (Object.keys(local).length) {
      setFields(local);
      return;
    }
    setFields(null);
    const entries = taken.map((kind) => {
      const p = photos[kind]!;
      return {
        file: partName(kind),
        kind,
        captured_at: p.capturedAt,
        latitude: p.latitude,
        longitude: p.longitude,
      };
    });
    const body: VisitBody = {
      client_key: clientKey.current,
      outcome,
      started_at: startedAt.current,
      ended_at: new Date().toISOString(),
      latitude: gps.fix?.latitude ?? null,
      longitude: gps.fix?.longitude ?? null,
      answers: found
        ? Object.fromEntries(
            form.fields.map((q) => [q.name, answerValue(q, answers[q.name] ?? null) ?? null]),
          )
        : null,
      photos: entries,
    };
    const files = new Map(taken.map((kind) => [partName(kind), photos[kind]!.blob]));
    setBusy(true);
    try {
      const answer = await submitVisit(task.task_id, body, files);
      setResult(answer);
      announce(t('visit.sent'));
      window.scrollTo(0, 0);
    } catch (failure) {
      const e = asApiError(failure);
      setFields(e.fields);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // A photo's server error is keyed photos.<index of its entry>.file; show it at its kind.
  const photoError = (kind: string) => {
    const index = taken.indexOf(kind);
    return (
      errorsAt(fields, partName(kind)) ??
      (index >= 0 ? errorsAt(fields, `photos.${index}`) : undefined)
    );
  };

  if (result) {
    return (
      <div class="card" role="status">
        <h2>{t('visit.sentTitle')}</h2>
        <p>{t('visit.sentText', { id: result.visit_id })}</p>
        {result.welfare_class && (
          <p>{t('visit.resultClass', { welfare: codeLabel('welfare', result.welfare_class) })}</p>
        )}
        {result.flags.length > 0 && (
          <>
            <p>{t('visit.resultFlags', { n: num(result.flags.length) })}</p>
            <FlagList flags={result.flags} />
          </>
        )}
        <p>
          <Link href="/tasks" class="button">
            {t('myTasks.title')}
          </Link>
        </p>
      </div>
    );
  }

  const summary = flatten(fields).map(({ path, messages }) => {
    const [head, name] = path.split('.');
    const q = head === 'answers' ? form.fields.find((f) => f.name === name) : undefined;
    const kind = kinds.find(
      (k) => partName(k.code) === head || (head === 'photos' && taken[Number(name)] === k.code),
    );
    if (q) return { id: `q-${q.name}`, label: labelOf(q), messages };
    if (kind) return { id: `photo-${kind.code}`, label: labelOf(kind), messages };
    if (head === 'outcome') return { id: 'visit-outcome', label: t('visit.outcome'), messages };
    return { id: 'gps-title', label: path, messages };
  });

  return (
    <form onSubmit={submit} noValidate class="visit-form">
      {error && !error.fields && <ErrorBox error={error} focus />}
      <ErrorSummary items={summary} />
      <ChoiceGroup
        id="visit-outcome"
        label={t('visit.outcome')}
        required
        options={outcomes}
        value={outcome ? [outcome] : []}
        onValue={(v) => setOutcome(v[0] ?? '')}
        error={errorsAt(fields, 'outcome')}
      />
      <GpsPanel gps={gps} error={errorsAt(fields, 'latitude') ?? errorsAt(fields, 'longitude')} />
      {found && (
        <section class="card" aria-labelledby="questions-title">
          <h2 id="questions-title">{t('visit.questions')}</h2>
          <p class="hint">{t('visit.questionsHint')}</p>
          {form.fields.map((q) => (
            <QuestionField
              key={q.name}
              q={q}
              answer={answers[q.name] ?? emptyAnswer(q)}
              onAnswer={(a) => setAnswers((all) => ({ ...all, [q.name]: a }))}
              error={errorsAt(fields, `answers.${q.name}`)}
            />
          ))}
        </section>
      )}
      <section class="card" aria-labelledby="photos-title">
        <h2 id="photos-title">{t('visit.photos')}</h2>
        <p class="hint">{t('visit.photosHint')}</p>
        <div class="photo-inputs">
          {kinds.map((kind) => (
            <PhotoInput
              key={kind.code}
              kind={kind}
              required={found && kind.required}
              photo={photos[kind.code]}
              onPhoto={(p) => setPhotos((all) => ({ ...all, [kind.code]: p }))}
              position={gps.fix}
              error={photoError(kind.code)}
            />
          ))}
        </div>
      </section>
      <div class="submit-bar">
        {found && (
          <p class="meta">
            {t('visit.progress', { done: num(answered), total: num(form.fields.length) })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('visit.sending') : t('visit.submit')}
        </button>
      </div>
    </form>
  );
}

/** Why the supervisor sent the visit back: what to mend before sending it again. */
function ReturnNote({ task }: { task: TaskDetail }) {
  const back = [...task.transitions].reverse().find((m) => m.to === 'returned');
  return (
    <div class="alert info" role="note">
      <p>
        <strong>{t('visit.returned')}</strong> {back?.note ?? ''}
      </p>
    </div>
  );
}

export function VisitForm({ params }: RouteProps) {
  const id = Number(params.taskId);
  const names = useNames();
  const data = useAsync((signal) => Promise.all([loadTask(id, signal), questionnaire()]), [id]);
  const [task, form] = data.data ?? [];
  return (
    <Page title={t('visit.title')} before={<BackLink href="/tasks">{t('myTasks.title')}</BackLink>}>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {task && form && (
        <>
          <section class="card" aria-labelledby="visit-hh">
            <h2 id="visit-hh">{task.household.head_name || t('household.noName')}</h2>
            <Facts
              items={[
                [t('common.address'), task.household.alamat],
                ['RT / RW', `${task.household.rt ?? '—'} / ${task.household.rw ?? '—'}`],
                [
                  t('common.desa'),
                  `${names.desa(task.household.desa_code)}, ${names.kecamatan(task.household.kecamatan_code)}`,
                ],
                [t('common.task'), `#${task.task_id} · ${codeLabel('taskState', task.state)}`],
              ]}
            />
          </section>
          {task.state === 'returned' && <ReturnNote task={task} />}
          <Form task={task} form={form} />
        </>
      )}
    </Page>
  );
}
