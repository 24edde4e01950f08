// One submitted visit beside what the registry held; approve, return, reject or send a
// second verifier (maker-checker: flagged visits need "I reviewed the flags").
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { photoUrl } from '../../api/households';
import { questionnaire } from '../../api/reference';
import * as api from '../../api/verification';
import type { Household, Questionnaire, TaskDetail, Verifier, VisitDetail } from '../../api/types';
import { codeLabel, labelOf, pick, t } from '../../i18n';
import { asText, coords, dateTime, num, offset } from '../../format';
import { Link, navigate } from '../../router';
import type { RouteProps } from '../../routes';
import { announce } from '../../status';
import { BackLink, Facts, Photo, TableWrap } from '../../ui/bits';
import { ErrorBox, Loading } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { Checkbox, ChoiceGroup, SelectField, TextArea } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames, type Names } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { sourcesText } from '../households/labels';
import { Explanation, FlagList } from '../households/Story';
import { answerText } from './answers';

type Action = 'approve' | 'return' | 'reject' | 'second';

/** What the registry holds that a question asks too (the sources' own words and codes). */
function heldAnswer(name: string, household: Household | null): unknown {
  if (!household) return undefined;
  const i = household.indicators ?? {};
  switch (name) {
    case 'member_count':
      return household.members.length;
    case 'floor_area_m2':
      return i.luas_lantai;
    case 'has_car':
      return i.aset_mobil;
    case 'has_motorcycle':
      return i.aset_motor;
    case 'has_ac':
      return i.aset_ac;
    case 'has_refrigerator':
      return i.aset_lemari_es;
    case 'pmks': {
      const all = [...new Set(household.members.flatMap((m) => m.pmks ?? []))];
      return all.length ? all : undefined;
    }
    default:
      return undefined;
  }
}
const COMPARED = new Set(['luas_lantai', 'aset_mobil', 'aset_motor', 'aset_ac', 'aset_lemari_es']);

function Comparison({
  task,
  visit,
  form,
  names,
}: {
  task: TaskDetail;
  visit: VisitDetail;
  form: Questionnaire | undefined;
  names: Names;
}) {
  const answers = visit.answers ?? {};
  const questions =
    form?.fields ??
    Object.keys(answers).map((name) => ({
      name,
      label_id: name,
      label_en: name,
      type: 'text' as const,
      required: false,
    }));
  const others = Object.entries(task.registry?.indicators ?? {}).filter(
    ([key]) => !COMPARED.has(key),
  );
  return (
    <>
      <TableWrap label={t('approval.answers')}>
        <table class="compare">
          <caption>{t('approval.answersCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('approval.question')}</th>
              <th scope="col">{t('approval.visit')}</th>
              <th scope="col">{t('approval.registry')}</th>
            </tr>
          </thead>
          <tbody>
            {questions.map((q) => {
              const seen = answerText(q, answers[q.name], names);
              const value = heldAnswer(q.name, task.registry);
              const held = answerText(q, value, names);
              const differs = value !== undefined && seen !== held;
              return (
                <tr key={q.name} class={differs ? 'differs' : undefined}>
                  <th scope="row">{labelOf(q)}</th>
                  <td>{seen}</td>
                  <td>
                    {held}
                    {differs && <span class="visually-hidden"> ({t('approval.differs')})</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
      {others.length > 0 && (
        <details>
          <summary>{t('approval.otherIndicators')}</summary>
          <Facts items={others.map(([key, value]) => [key.replace(/_/g, ' '), asText(value)])} />
        </details>
      )}
    </>
  );
}

function Decide({
  task,
  form,
  verifiers,
}: {
  task: TaskDetail;
  form: Questionnaire | undefined;
  verifiers: Verifier[];
}) {
  // as the service counts: the flags of every visit that came in time (not a late one's)
  const flagged = task.visits.some((v) => !v.late && v.flags.length > 0);
  const [action, setAction] = useState<Action>('approve');
  const [reviewed, setReviewed] = useState(false);
  const [note, setNote] = useState('');
  const [reasons, setReasons] = useState<string[]>([]);
  const [verifier, setVerifier] = useState('');
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const check = (): Record<string, string[]> => {
    const e: Record<string, string[]> = {};
    if (action === 'approve' && flagged && !reviewed)
      e.flags_reviewed = [t('approval.reviewFirst')];
    if (action === 'return' && !note.trim()) e.note = [t('approval.noteNeeded')];
    if (action === 'reject' && !reasons.length) e.reasons = [t('approval.reasonNeeded')];
    if (action === 'second' && !verifier) e.verifier = [t('form.requiredField')];
    return e;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const problems = check();
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const id = task.task_id;
      if (action === 'approve')
        await api.approve(id, { flags_reviewed: reviewed, note: note.trim() });
      if (action === 'return') await api.returnVisit(id, note.trim());
      if (action === 'reject') await api.reject(id, { reasons, note: note.trim() });
      if (action === 'second') await api.secondVerifier(id, verifier);
      announce(t(`approval.done.${action}`));
      navigate('/approvals');
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  const err = (key: string) => local[key] ?? errorsAt(error?.fields, key);
  return (
    <form class="card decide" onSubmit={submit} noValidate aria-labelledby="decide-title">
      <h2 id="decide-title">{t('approval.decide')}</h2>
      <ErrorBox error={error} focus />
      <ChoiceGroup
        label={t('approval.action')}
        options={(['approve', 'return', 'reject', 'second'] as const).map((a) => ({
          value: a,
          label: t(`approval.action.${a}`),
        }))}
        value={[action]}
        onValue={(v) => setAction((v[0] as Action) ?? 'approve')}
      />
      {action === 'approve' && flagged && (
        <Checkbox
          label={t('approval.reviewed')}
          checked={reviewed}
          onChecked={setReviewed}
          error={err('flags_reviewed')}
        />
      )}
      {action === 'reject' && (
        <ChoiceGroup
          label={t('approval.reasons')}
          multiple
          required
          options={(form?.reject_reasons ?? []).map((r) => ({ value: r.id, label: pick(r) }))}
          value={reasons}
          onValue={setReasons}
          error={err('reasons')}
        />
      )}
      {action === 'second' && (
        <SelectField
          label={t('approval.secondVerifier')}
          value={verifier}
          onValue={setVerifier}
          required
          options={verifiers
            .filter((v) => v.username !== task.assignee)
            .map((v) => ({
              value: v.username,
              label: t('tasks.verifierOption', {
                name: v.name || v.username,
                n: num(v.open_tasks),
              }),
            }))}
          error={err('verifier')}
        />
      )}
      {action !== 'second' && (
        <TextArea
          label={action === 'return' ? t('approval.returnNote') : t('approval.note')}
          required={action === 'return'}
          value={note}
          onValue={setNote}
          error={err('note')}
        />
      )}
      <button type="submit" class={action === 'reject' ? 'danger' : undefined} disabled={busy}>
        {busy ? t('common.wait') : t(`approval.submit.${action}`)}
      </button>
    </form>
  );
}

/** The visit a decision is taken on: the last that came in time (a late one decides nothing). */
function decidedVisit(task: TaskDetail): VisitDetail | undefined {
  return task.visits.filter((v) => !v.late).at(-1);
}

/** What the field app adds: the phone's clock against the server's, the NIK on the card. */
function fieldAppFacts(visit: VisitDetail): [string, string][] {
  const facts: [string, string][] = [];
  if (
    visit.device_clock &&
    visit.clock_offset_seconds !== null &&
    visit.clock_offset_seconds !== undefined
  )
    facts.push([
      t('approval.phoneClock'),
      t('approval.clockOffset', {
        time: dateTime(visit.device_clock),
        offset: offset(visit.clock_offset_seconds),
      }),
    ]);
  if (visit.nik_check) facts.push([t('approval.nikCheck'), codeLabel('nikCheck', visit.nik_check)]);
  return facts;
}

/** Visits that came after the task moved on: each with who, why, when, and its flags. */
function LateVisits({ visits }: { visits: VisitDetail[] }) {
  return (
    <section class="card" aria-labelledby="late-title">
      <h2 id="late-title">{t('approval.lateTitle', { n: num(visits.length) })}</h2>
      <p>{t('approval.lateIntro')}</p>
      {visits.map((v) => (
        <article key={v.visit_id} aria-label={`${t('approval.verifier')} ${v.verifier ?? '—'}`}>
          <Facts
            items={[
              [t('approval.verifier'), v.verifier],
              [t('approval.late'), pick(v.late_message) || '—'],
              [t('approval.when'), `${dateTime(v.started_at)} – ${dateTime(v.ended_at)}`],
              [t('approval.result'), codeLabel('welfare', v.welfare_class)],
              ...fieldAppFacts(v),
            ]}
          />
          {v.flags.length > 0 && <FlagList flags={v.flags} />}
        </article>
      ))}
    </section>
  );
}

export function ApprovalTask({ params }: RouteProps) {
  const id = Number(params.taskId);
  const names = useNames();
  const data = useAsync((signal) => api.task(id, signal), [id]);
  const form = useAsync(() => questionnaire(), []);
  const verifiers = useAsync((signal) => api.verifiers(signal).catch(() => [] as Verifier[]), []);
  const task = data.data;
  const visit = task && decidedVisit(task);
  const late = task?.visits.filter((v) => v.late) ?? [];

  return (
    <Page
      title={
        task
          ? t('approval.title', { name: task.household.head_name ?? '—' })
          : t('approval.titlePlain')
      }
      before={<BackLink href="/approvals">{t('approvals.title')}</BackLink>}
    >
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {task && (
        <>
          <section class="card" aria-labelledby="hh-title">
            <h2 id="hh-title">{t('approval.household')}</h2>
            <Facts
              items={[
                [t('common.task'), `#${task.task_id} · ${codeLabel('taskState', task.state)}`],
                [
                  t('common.address'),
                  `${task.household.alamat ?? '—'}, ${names.desa(task.household.desa_code)}, ${names.kecamatan(task.household.kecamatan_code)}`,
                ],
                [
                  t('approval.registryClass'),
                  `${codeLabel('welfare', task.registry?.welfare_class)}${task.registry?.desil ? ` · desil ${task.registry.desil}` : ''}`,
                ],
                [t('household.sources'), sourcesText(task.registry?.sources)],
                [t('household.members'), num(task.registry?.members.length)],
              ]}
            />
            <p>
              <Link href={`/households/${task.household.household_id}`}>
                {t('approval.openHousehold')}
              </Link>
            </p>
          </section>
          {!visit && <p>{t('approval.noVisit')}</p>}
          {visit && (
            <>
              <section class="card" aria-labelledby="visit-title">
                <h2 id="visit-title">{t('approval.visitTitle')}</h2>
                <Facts
                  items={[
                    [t('approval.verifier'), visit.verifier],
                    [t('visit.outcome'), codeLabel('outcome', visit.outcome)],
                    [
                      t('approval.when'),
                      `${dateTime(visit.started_at)} – ${dateTime(visit.ended_at)}`,
                    ],
                    [t('story.gps'), coords(visit.latitude, visit.longitude)],
                    [t('approval.result'), codeLabel('welfare', visit.welfare_class)],
                    ...fieldAppFacts(visit),
                  ]}
                />
              </section>
              <section class="card" aria-labelledby="flags-title">
                <h2 id="flags-title">
                  {t('approval.flagsTitle')} ({num(visit.flags.length)})
                </h2>
                {visit.flags.length ? (
                  <FlagList flags={visit.flags} />
                ) : (
                  <p>{t('approval.noFlags')}</p>
                )}
                <h3>{t('approval.reasonsTitle')}</h3>
                {visit.explanation.length ? <Explanation lines={visit.explanation} /> : <p>—</p>}
              </section>
              <div class="side-by-side">
                <section aria-labelledby="answers-title">
                  <h2 id="answers-title">{t('approval.answers')}</h2>
                  <Comparison task={task} visit={visit} form={form.data} names={names} />
                </section>
                <section aria-labelledby="photos-title">
                  <h2 id="photos-title">{t('household.photos')}</h2>
                  <div class="photos">
                    {visit.photo_details.map((p) => (
                      <Photo
                        key={p.sha256}
                        thumb={photoUrl(task.household.household_id, p.sha256, 'thumb')}
                        full={photoUrl(task.household.household_id, p.sha256, 'full')}
                        alt={`${t('photo.of', { kind: codeLabel('photoKind', p.kind) })}${p.captured_at ? `, ${dateTime(p.captured_at)}` : ''}${p.latitude !== null ? `, GPS ${coords(p.latitude, p.longitude)}` : ''}`}
                      />
                    ))}
                  </div>
                </section>
              </div>
            </>
          )}
          {late.length > 0 && <LateVisits visits={late} />}
          {task.state === 'submitted' ? (
            <Decide task={task} form={form.data} verifiers={verifiers.data ?? []} />
          ) : (
            <p class="alert info">
              {t('approval.notSubmitted', { state: codeLabel('taskState', task.state) })}
            </p>
          )}
        </>
      )}
    </Page>
  );
}
