// The visit at the door, offline: the household as taken along, the outcome, GPS, the NIK on
// the card (encrypted at once), the whole questionnaire and a photo per kind. The draft is
// written to the phone as the verifier goes (closing the app loses nothing); saving puts the
// visit in the outbox, which sends it by itself.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { newId } from '../../api/client';
import type { PhotoKind, Questionnaire } from '../../api/types';
import { codeLabel, labelOf, t } from '../../i18n';
import { coords, dateTime, fileSize, num, time } from '../../format';
import { navigate } from '../../router';
import { announce } from '../../status';
import { ChoiceGroup, Checkbox } from '../../ui/fields';
import {
  answerValue,
  checkAnswer,
  emptyAnswer,
  QuestionField,
  type Answer,
} from '../../screens/verifier/questions';
import { phoneNow } from '../clock';
import { getMeta, read, write } from '../db';
import { GpsPanel, useGps } from '../gps';
import { useBlobUrl, useLive } from '../live';
import { cleanNik, sealNik } from '../nik';
import { syncNow } from '../outbox';
import { MAX_BYTES, preparePhoto } from '../photo';
import { fits } from '../storage';
import type {
  Account,
  Draft,
  FieldKeyInfo,
  Fix,
  OutboxVisit,
  SealedNik,
  StoredPhoto,
  StoredTask,
  StoredThumb,
  VisitBody,
  Work,
} from '../types';
import { ErrorSummary } from '../../ui/feedback';
import { Alert, Screen } from '../ui';
import { visitDone } from '../work';
import { w } from '../words';
import { Link } from '../../router';

interface Loaded {
  task: StoredTask | null;
  work: Work | null;
  draft: Draft | null;
  visit: OutboxVisit | null;
  thumbs: Map<string, StoredThumb>;
}

export function Visit({ account, taskId }: { account: Account; taskId: number }) {
  const owner = account.username;
  const data = useLive<Loaded>(
    () =>
      read(['tasks', 'meta', 'drafts', 'visits', 'thumbs'], async (t) => {
        const task = (await t.get('tasks', taskId)) ?? null;
        const mine = task && task.owner === owner ? task : null;
        const draft =
          (await t.by('drafts', 'owner', owner)).find((d) => d.task_id === taskId) ?? null;
        const latest = (await t.by('visits', 'owner', owner))
          .filter((v) => v.task_id === taskId)
          .sort((a, b) => a.created_at.localeCompare(b.created_at))
          .pop();
        const visit = mine && visitDone(mine, latest) ? (latest ?? null) : null;
        const thumbs = new Map<string, StoredThumb>();
        for (const p of mine?.earlier_photos ?? []) {
          const thumb = await t.get('thumbs', p.sha256);
          if (thumb) thumbs.set(p.sha256, thumb);
        }
        return {
          task: mine,
          work: await getMeta<Work>(t, `work:${owner}`),
          draft,
          visit,
          thumbs,
        };
      }),
    [owner, taskId],
  );

  const back = (
    <p class="back">
      <Link href="/field/">← {w('visit.back')}</Link>
    </p>
  );
  if (!data) return <Screen title={w('visit.title')} before={back} />;
  const { task, work, draft, visit } = data;
  const head = task?.household.head_name ?? draft?.head_name ?? '—';

  return (
    <Screen title={`${w('visit.title')}: ${head}`} before={back}>
      {!task && !draft && <p class="empty">{w('visit.noTask')}</p>}
      {task && <Household task={task} thumbs={data.thumbs} />}
      {visit && !draft && (
        <Alert tone="info" role="status">
          <p>{w('visit.already')}</p>
          <p>
            <Link href="/field/kotak-keluar">{w('nav.outbox')}</Link>
          </p>
        </Alert>
      )}
      {!work && (task || draft) && <p class="empty">{w('tasks.notYet')}</p>}
      {work && !draft && task && !visit && <StartVisit task={task} owner={owner} />}
      {work && draft && <VisitForm key={draft.visit_id} initial={draft} work={work} />}
    </Screen>
  );
}

function Household({ task, thumbs }: { task: StoredTask; thumbs: Map<string, StoredThumb> }) {
  const h = task.household;
  return (
    <section class="card household" aria-labelledby="hh-title">
      <h2 id="hh-title">{w('visit.household')}</h2>
      <dl class="facts">
        <div>
          <dt>{w('visit.head')}</dt>
          <dd>{h.head_name || '—'}</dd>
        </div>
        <div>
          <dt>{w('visit.address')}</dt>
          <dd>
            {h.alamat || '—'} · RT {h.rt ?? '—'} / RW {h.rw ?? '—'}
          </dd>
        </div>
        <div>
          <dt>{w('visit.area')}</dt>
          <dd>
            {h.desa_name ?? h.desa_code ?? '—'}, {h.kecamatan_name ?? h.kecamatan_code ?? '—'}
          </dd>
        </div>
        <div>
          <dt>{w('visit.task')}</dt>
          <dd>
            #{task.task_id} · {codeLabel('taskState', task.state)}
          </dd>
        </div>
      </dl>
      {h.members.length > 0 && (
        <>
          <h3 id="members-title">{w('visit.members')}</h3>
          <ul class="members" aria-labelledby="members-title">
            {h.members.map((m, i) => (
              <li key={i}>
                <span class="member-name">{m.name}</span>
                <span class="meta">
                  {codeLabel('relation', m.relation)} · {codeLabel('sex', m.sex)}
                  {m.age === null ? '' : ` · ${w('visit.years', { n: num(m.age) })}`}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {task.earlier_photos.length > 0 && (
        <>
          <h3>{w('visit.earlier')}</h3>
          <ul class="thumbs">
            {task.earlier_photos.map((p) => (
              <Thumb
                key={p.sha256}
                blob={thumbs.get(p.sha256)?.blob ?? null}
                alt={w('visit.earlierAlt', {
                  kind: codeLabel('photoKind', p.kind),
                  when: dateTime(p.captured_at),
                })}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Thumb({ blob, alt }: { blob: Blob | null; alt: string }) {
  const url = useBlobUrl(blob);
  return (
    <li>
      {url ? <img src={url} alt={alt} /> : <span class="meta">{w('visit.earlierMissing')}</span>}
    </li>
  );
}

function StartVisit({ task, owner }: { task: StoredTask; owner: string }) {
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    const now = phoneNow();
    const draft: Draft = {
      visit_id: newId(),
      owner,
      task_id: task.task_id,
      head_name: task.household.head_name,
      desa_name: task.household.desa_name,
      started_at: now,
      updated_at: now,
      outcome: '',
      answers: {},
      fix: null,
      nik: null,
      photo_ids: {},
      allow_missing_photos: false,
    };
    await write(['drafts'], (t) => t.put('drafts', draft));
    setBusy(false);
  };
  return (
    <p>
      <button type="button" onClick={() => void start()} disabled={busy}>
        {w('tasks.start')}
      </button>
    </p>
  );
}

// --- the form --------------------------------------------------------------------------------

type Errors = Record<string, string[]>;

function VisitForm({ initial, work }: { initial: Draft; work: Work }) {
  const form: Questionnaire = work.questionnaire;
  const [draft, setDraft] = useState<Draft>(initial);
  const latest = useRef(draft);
  const closed = useRef(false);
  const timer = useRef<number | undefined>(undefined);
  const [errors, setErrors] = useState<Errors>({});
  const [attempt, setAttempt] = useState(0);
  /** A field changed: its error goes (the others stay until the next save). */
  const fixed = (id: string) =>
    setErrors((all) => {
      if (!(id in all)) return all;
      const rest = { ...all };
      delete rest[id];
      return rest;
    });
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const persist = async () => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    if (closed.current) return;
    const next = latest.current;
    try {
      await write(['drafts'], async (t) => {
        if (await t.get('drafts', next.visit_id)) await t.put('drafts', next);
      });
    } catch {
      setProblem(w('error.quota'));
    }
  };

  /** Change the draft: on screen at once, on the phone within a moment (`now`: at once). */
  const update = useRef((change: (d: Draft) => Draft, now = false) => {
    const next = { ...change(latest.current), updated_at: phoneNow() };
    latest.current = next;
    setDraft(next);
    window.clearTimeout(timer.current);
    if (now) void persist();
    else timer.current = window.setTimeout(() => void persist(), 250);
  }).current;

  useEffect(() => {
    const flush = () => {
      if (timer.current !== undefined) void persist();
    };
    const hidden = () => document.visibilityState === 'hidden' && flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      flush();
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', hidden);
    };
  }, []); // persist reads refs only

  const gps = useGps((fix) => update((d) => ({ ...d, fix })));

  const photos = useLive(
    () => read(['photos'], (t) => t.by('photos', 'visit_id', draft.visit_id)),
    [draft.visit_id],
  );
  const byKind = useMemo(() => {
    const map = new Map<string, StoredPhoto>();
    for (const [kind, id] of Object.entries(draft.photo_ids)) {
      const found = photos?.find((p) => p.photo_id === id);
      if (found) map.set(kind, found);
    }
    return map;
  }, [photos, draft.photo_ids]);

  const found = draft.outcome === 'found';
  const answers = draft.answers;
  const answered = form.fields.filter(
    (q) => answerValue(q, answers[q.name] ?? emptyAnswer(q)) !== undefined,
  ).length;
  const outcomes = form.outcomes.map((o) => ({ value: o.code, label: labelOf(o) }));

  const check = (): Errors => {
    const e: Errors = {};
    if (!draft.outcome) e['visit-outcome'] = [w('visit.requiredField')];
    if (found) {
      for (const q of form.fields) {
        const bad = checkAnswer(q, answers[q.name] ?? emptyAnswer(q));
        if (bad) e[`q-${q.name}`] = [bad];
      }
      if (!draft.allow_missing_photos) {
        for (const kind of form.photo_kinds) {
          if (kind.required && !byKind.has(kind.code)) {
            e[`photo-${kind.code}`] = [w('visit.photoNeeded')];
          }
        }
      }
    }
    return e;
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const problems = check();
    setErrors(problems);
    if (Object.keys(problems).length) {
      setAttempt((n) => n + 1);
      return;
    }
    setSaving(true);
    window.clearTimeout(timer.current);
    const d = latest.current;
    const ended = phoneNow();
    try {
      await write(['drafts', 'visits', 'photos'], async (t) => {
        const kept = await t.by('photos', 'visit_id', d.visit_id);
        const chosen = new Set(Object.values(d.photo_ids));
        const taken: StoredPhoto[] = [];
        for (const p of kept) {
          if (chosen.has(p.photo_id)) taken.push(p);
          else await t.del('photos', p.photo_id); // replaced by another shot
        }
        const body: VisitBody = {
          visit_id: d.visit_id,
          task_id: d.task_id,
          outcome: d.outcome,
          started_at: d.started_at,
          ended_at: ended,
          latitude: d.fix?.latitude ?? null,
          longitude: d.fix?.longitude ?? null,
          ...(d.outcome === 'found'
            ? {
                answers: Object.fromEntries(
                  form.fields.map((q) => [
                    q.name,
                    answerValue(q, d.answers[q.name] ?? emptyAnswer(q)) ?? null,
                  ]),
                ),
              }
            : {}),
          photos: taken.map((p) => ({
            sha256: p.sha256,
            kind: p.kind,
            captured_at: p.captured_at,
            latitude: p.latitude,
            longitude: p.longitude,
            exif_time: p.exif_time,
            exif_latitude: p.exif_latitude,
            exif_longitude: p.exif_longitude,
          })),
          nik: d.nik,
        };
        const visit: OutboxVisit = {
          visit_id: d.visit_id,
          owner: d.owner,
          task_id: d.task_id,
          head_name: d.head_name,
          desa_name: d.desa_name,
          created_at: ended,
          body,
          photo_ids: taken.map((p) => p.photo_id),
          nik_recorded: d.nik !== null,
          state: 'waiting',
          attempts: 0,
          next_at: 0,
          error: null,
          error_code: null,
          result: null,
          sent_at: null,
        };
        await t.put('visits', visit);
        for (const p of taken) await t.put('photos', { ...p, state: 'waiting' });
        await t.del('drafts', d.visit_id);
      });
    } catch {
      setSaving(false);
      setProblem(w('error.quota'));
      return;
    }
    closed.current = true;
    announce(w('visit.saved'));
    navigate('/field/');
    void syncNow(true);
  };

  const discard = async () => {
    if (!window.confirm(w('visit.discardAsk'))) return;
    closed.current = true;
    window.clearTimeout(timer.current);
    await write(['drafts', 'photos'], async (t) => {
      for (const p of await t.by('photos', 'visit_id', draft.visit_id)) {
        await t.del('photos', p.photo_id);
      }
      await t.del('drafts', draft.visit_id);
    });
    announce(w('visit.discarded'), 'info');
    navigate('/field/');
  };

  const summary = useMemo(
    () =>
      Object.entries(errors).map(([id, messages]) => {
        const q = form.fields.find((f) => `q-${f.name}` === id);
        const kind = form.photo_kinds.find((k) => `photo-${k.code}` === id);
        const label = q ? labelOf(q) : kind ? labelOf(kind) : w('visit.outcome');
        return { id, label, messages };
      }),
    [errors, form],
  );

  return (
    <form onSubmit={save} noValidate class="visit-form">
      <p class="meta">
        {w('visit.started', { when: dateTime(draft.started_at) })} ·{' '}
        {w('visit.draftSaved', { when: time(draft.updated_at) })}
      </p>
      {problem && (
        <div class="alert error" role="alert">
          <p>{problem}</p>
        </div>
      )}
      <ErrorSummary items={summary} attempt={attempt} />
      <ChoiceGroup
        id="visit-outcome"
        label={w('visit.outcome')}
        required
        options={outcomes}
        value={draft.outcome ? [draft.outcome] : []}
        onValue={(v) => {
          fixed('visit-outcome');
          update((d) => ({ ...d, outcome: v[0] ?? '' }));
        }}
        error={errors['visit-outcome']}
      />
      <GpsPanel gps={gps} saved={draft.fix} />
      <NikCard
        sealed={draft.nik}
        keyInfo={work.key}
        onSealed={(nik) => update((d) => ({ ...d, nik }), true)}
      />
      {found && (
        <section class="card" aria-labelledby="questions-title">
          <h2 id="questions-title">{w('visit.questions')}</h2>
          {form.fields.map((q) => (
            <QuestionField
              key={q.name}
              q={q}
              answer={answers[q.name] ?? emptyAnswer(q)}
              onAnswer={(a: Answer) => {
                fixed(`q-${q.name}`);
                update((d) => ({ ...d, answers: { ...d.answers, [q.name]: a } }));
              }}
              error={errors[`q-${q.name}`]}
            />
          ))}
        </section>
      )}
      <section class="card" aria-labelledby="photos-title">
        <h2 id="photos-title">{w('visit.photos')}</h2>
        <p class="hint">{w('visit.photosHint')}</p>
        <div class="photo-inputs">
          {form.photo_kinds.map((kind) => (
            <PhotoSlot
              key={kind.code}
              kind={kind}
              required={found && kind.required}
              photo={byKind.get(kind.code)}
              error={errors[`photo-${kind.code}`]}
              onPhoto={async (file) => {
                const taken = await takePhoto(latest.current, kind.code, file, gps.state);
                fixed(`photo-${kind.code}`);
                update((d) => ({ ...d, photo_ids: { ...d.photo_ids, [kind.code]: taken } }), true);
              }}
            />
          ))}
        </div>
        {found && (
          <Checkbox
            id="allow-missing"
            label={w('visit.missingOk')}
            checked={draft.allow_missing_photos}
            onChecked={(on) => update((d) => ({ ...d, allow_missing_photos: on }), true)}
          />
        )}
      </section>
      <div class="submit-bar">
        {found && (
          <p class="meta">
            {w('visit.progress', { done: num(answered), total: num(form.fields.length) })}
          </p>
        )}
        <button type="submit" disabled={saving}>
          {saving ? w('visit.saving') : w('visit.save')}
        </button>
      </div>
      <p>
        <button type="button" class="secondary small" onClick={() => void discard()}>
          {w('visit.discard')}
        </button>
      </p>
    </form>
  );
}

/** A photo taken: kept on the phone at once (compressed, hashed, with its EXIF, the phone's
 * time and place); returns its id. */
async function takePhoto(
  draft: Draft,
  kind: string,
  file: File,
  gpsState: ReturnType<typeof useGps>['state'],
): Promise<string> {
  const fix: Fix | null = gpsState.kind === 'fix' ? gpsState.fix : draft.fix;
  const capturedAt = phoneNow();
  const prepared = await preparePhoto(file);
  const photo: StoredPhoto = {
    photo_id: newId(),
    visit_id: draft.visit_id,
    owner: draft.owner,
    kind,
    blob: prepared.blob,
    sha256: prepared.sha256,
    size: prepared.blob.size,
    original_size: prepared.originalSize,
    width: prepared.width,
    height: prepared.height,
    captured_at: capturedAt,
    latitude: fix?.latitude ?? null,
    longitude: fix?.longitude ?? null,
    exif_time: prepared.exif.time,
    exif_latitude: prepared.exif.latitude,
    exif_longitude: prepared.exif.longitude,
    state: 'draft',
    maybe_on_server: false,
    error: null,
  };
  await write(['photos'], (t) => t.put('photos', photo));
  return photo.photo_id;
}

function PhotoSlot({
  kind,
  required,
  photo,
  error,
  onPhoto,
}: {
  kind: PhotoKind;
  required: boolean;
  photo: StoredPhoto | undefined;
  error: string[] | undefined;
  onPhoto: (file: File) => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const url = useBlobUrl(photo?.blob);
  const id = `photo-${kind.code}`;
  const label = labelOf(kind);
  const messages = [...(error ?? []), ...(problem ? [problem] : [])];

  const chosen = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = ''; // the same kind may be taken again
    if (!file) return;
    setProblem(null);
    const room = await fits(file.size + MAX_BYTES * 2);
    if (!room.ok) {
      setProblem(w('photo.noRoom', { free: fileSize(room.free ?? 0) }));
      return;
    }
    setBusy(true);
    try {
      await onPhoto(file);
    } catch {
      setProblem(w('photo.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="photo-input field" id={`${id}-slot`}>
      <p class="photo-kind" aria-hidden="true">
        {label}
        {required && <span class="required"> ({t('form.required')})</span>}
      </p>
      <input
        type="file"
        id={id}
        class="visually-hidden"
        accept="image/*"
        capture="environment"
        disabled={busy}
        aria-required={required || undefined}
        aria-invalid={messages.length ? true : undefined}
        aria-describedby={messages.length ? `${id}-error` : undefined}
        onChange={(e) => void chosen(e.currentTarget)}
      />
      <label htmlFor={id} class="button secondary photo-take">
        {photo ? w('photo.retake') : w('photo.take')}
        <span class="visually-hidden">
          : {label}
          {required ? ` (${t('form.required')})` : ''}
        </span>
      </label>
      {messages.length > 0 && (
        <p class="field-error" id={`${id}-error`}>
          {messages.join(' ')}
        </p>
      )}
      {busy && (
        <p class="meta" role="status">
          {w('photo.preparing')}
        </p>
      )}
      {photo && (
        <figure class="preview">
          {url && <img src={url} alt={w('photo.alt', { kind: label })} />}
          <figcaption class="meta">
            {w('photo.meta', {
              when: time(photo.captured_at),
              size: fileSize(photo.size),
              original: fileSize(photo.original_size),
              wh: `${photo.width}×${photo.height}`,
            })}
            <br />
            {photo.exif_time || photo.exif_latitude !== null
              ? w('photo.exif', {
                  what: [
                    photo.exif_time ? dateTime(photo.exif_time) : '',
                    photo.exif_latitude !== null
                      ? coords(photo.exif_latitude, photo.exif_longitude)
                      : '',
                  ]
                    .filter(Boolean)
                    .join(' · '),
                })
              : w('photo.noExif')}
          </figcaption>
        </figure>
      )}
    </div>
  );
}

function NikCard({
  sealed,
  keyInfo,
  onSealed,
}: {
  sealed: SealedNik | null;
  keyInfo: FieldKeyInfo | null;
  onSealed: (nik: SealedNik | null) => void;
}) {
  // The digits live only in this input while they are typed: never in the draft, never stored.
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(sealed === null);
  const [busy, setBusy] = useState(false);

  const seal = async (value: string) => {
    const nik = cleanNik(value);
    if (!nik) {
      setError(w('nik.wrong'));
      return;
    }
    setTyped('');
    setError(null);
    if (!keyInfo) {
      setError(w('nik.noKey'));
      return;
    }
    setBusy(true);
    try {
      onSealed(await sealNik(nik, keyInfo));
      setEditing(false);
      announce(w('nik.recorded'));
    } catch {
      setError(w('error.generic'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="nik-title">
      <h2 id="nik-title">{w('nik.title')}</h2>
      {sealed && !editing ? (
        <>
          <p class="nik-recorded" role="status">
            ✓ {w('nik.recorded')}
          </p>
          <div class="actions">
            <button type="button" class="secondary small" onClick={() => setEditing(true)}>
              {w('nik.replace')}
            </button>
            <button type="button" class="secondary small" onClick={() => onSealed(null)}>
              {w('nik.remove')}
            </button>
          </div>
        </>
      ) : (
        <div class="field">
          <label htmlFor="nik-typed">{w('nik.label')}</label>
          <p class="hint" id="nik-typed-hint">
            {w('nik.hint')}
          </p>
          <div class="inline-form">
            <input
              id="nik-typed"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              spellcheck={false}
              maxLength={24}
              value={typed}
              disabled={busy}
              aria-invalid={error ? true : undefined}
              aria-describedby={`nik-typed-hint${error ? ' nik-typed-error' : ''}`}
              onInput={(e) => {
                const value = e.currentTarget.value;
                if (cleanNik(value)) {
                  e.currentTarget.value = ''; // off the screen before it is encrypted
                  void seal(value);
                } else setTyped(value);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  void seal(typed);
                }
              }}
            />
            <button
              type="button"
              class="secondary"
              disabled={busy}
              onClick={() => void seal(typed)}
            >
              {w('nik.save')}
            </button>
          </div>
          {error && (
            <p class="field-error" id="nik-typed-error">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
