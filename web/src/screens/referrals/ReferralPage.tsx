// One referral as the agency may see it, and the agency's answer: accept, start, complete
// with evidence (JPEG, PNG, PDF), or reject with a reason.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { household as loadHousehold } from '../../api/households';
import { evidenceUrl, referral as loadReferral, updateStatus } from '../../api/referrals';
import type { AgencyStatus, Referral } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { dateLong, dateTime, num } from '../../format';
import { Link } from '../../router';
import type { RouteProps } from '../../routes';
import { useSession } from '../../session';
import { announce } from '../../status';
import { BackLink, Badge, Facts, TableWrap } from '../../ui/bits';
import { ErrorBox, Loading } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { ChoiceGroup, FileField, TextArea } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames, useReasonLabels } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { rtRw } from '../households/labels';
import { dueLine, reasonText } from './text';

// What an agency may answer in each state (services/referral/lifecycle.py TRANSITIONS).
const NEXT: Record<string, AgencyStatus[]> = {
  sent: ['accepted', 'in_progress', 'rejected'],
  received: ['in_progress', 'completed', 'rejected'],
  in_progress: ['completed', 'rejected'],
};
const MAX_EVIDENCE = 10 * 1024 * 1024;

function Answer({ referral, onDone }: { referral: Referral; onDone: () => void }) {
  const choices = NEXT[referral.state] ?? [];
  const [status, setStatus] = useState<AgencyStatus | ''>('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (!choices.length) return null;

  const submit = async (event: Event) => {
    event.preventDefault();
    const e: Record<string, string[]> = {};
    if (!status) e.status = [t('form.requiredField')];
    if (status === 'rejected' && !reason.trim()) e.reason = [t('referral.reasonNeeded')];
    if (status === 'completed' && !file) e.evidence = [t('referral.evidenceNeeded')];
    if (file && file.size > MAX_EVIDENCE) e.evidence = [t('referral.evidenceTooBig')];
    setLocal(e);
    if (Object.keys(e).length || !status) return;
    setBusy(true);
    setError(null);
    try {
      await updateStatus(referral.referral_id, {
        status,
        note: note.trim(),
        reason: reason.trim(),
        evidence: status === 'completed' ? file : null,
      });
      announce(t(`referral.done.${status}`));
      setStatus('');
      setNote('');
      setReason('');
      onDone();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  const err = (key: string) => local[key] ?? errorsAt(error?.fields, key);

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="answer-title">
      <h2 id="answer-title">{t('referral.answer')}</h2>
      <ErrorBox error={error} focus />
      <ChoiceGroup
        label={t('referral.action')}
        required
        options={choices.map((c) => ({ value: c, label: codeLabel('agencyAction', c) }))}
        value={status ? [status] : []}
        onValue={(v) => setStatus((v[0] as AgencyStatus) ?? '')}
        error={err('status')}
      />
      {status === 'completed' && (
        <FileField
          label={t('referral.evidence')}
          hint={t('referral.evidenceHint')}
          accept="image/jpeg,image/png,application/pdf"
          required
          onFile={setFile}
          error={err('evidence') ?? err('evidence_ref')}
        />
      )}
      {status === 'rejected' && (
        <TextArea
          label={t('referral.reason')}
          required
          value={reason}
          onValue={setReason}
          error={err('reason')}
        />
      )}
      <TextArea label={t('referral.note')} value={note} onValue={setNote} error={err('note')} />
      <button type="submit" class={status === 'rejected' ? 'danger' : undefined} disabled={busy}>
        {busy ? t('common.wait') : t('referral.send')}
      </button>
    </form>
  );
}

export function ReferralPage({ params }: RouteProps) {
  const id = Number(params.id);
  const { user } = useSession();
  const names = useNames();
  const reasons = useReasonLabels();
  const data = useAsync((signal) => loadReferral(id, signal), [id]);
  const r = data.data;
  // Dinsos staff get the referral without the household's address: read it from the registry
  const staff = user.role !== 'opd';
  const householdId = r?.household ? null : (r?.household_id ?? null);
  const held = useAsync(
    (signal) => (staff && householdId ? loadHousehold(householdId, signal) : Promise.resolve(null)),
    [householdId],
  );
  const head = held.data?.members.find((m) => m.hubungan === 'kepala') ?? held.data?.members[0];
  const house = r?.household ?? {
    household_id: householdId ?? 0,
    head_name: head?.nama ?? null,
    alamat: held.data?.address.alamat ?? null,
    rt: held.data?.address.rt ?? null,
    rw: held.data?.address.rw ?? null,
    desa_code: held.data?.address.desa_code ?? null,
    kecamatan_code: held.data?.address.kecamatan_code ?? null,
    member_count: held.data?.members.length ?? null,
  };
  const line = r ? dueLine(r) : null;
  const mayAnswer = user.role === 'opd' || user.role === 'admin';
  return (
    <Page
      title={
        r
          ? `${codeLabel('need', r.need)} — ${house.head_name ?? t('household.noName')}`
          : t('referral.title')
      }
      before={<BackLink href="/referrals">{t('nav.referrals')}</BackLink>}
    >
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {r && line && (
        <>
          <p class="badges">
            <Badge>{codeLabel('referralState', r.state)}</Badge>{' '}
            {r.overdue && <Badge tone="strong">{t('referral.overdue')}</Badge>}{' '}
            {line.text && <span class={line.late ? 'late' : 'meta'}>{line.text}</span>}
          </p>
          <section class="card" aria-labelledby="ref-title">
            <h2 id="ref-title">{t('referral.details')}</h2>
            <Facts
              items={[
                [t('referral.number'), `#${r.referral_id}`],
                [t('referral.need'), codeLabel('need', r.need)],
                [t('referral.programme'), r.programme],
                [t('referrals.agency'), names.agency(r.opd_code)],
                [t('referral.created'), dateTime(r.created_at)],
                [t('referral.receiveByDate'), dateLong(r.receive_by)],
                [t('referral.completeByDate'), dateLong(r.complete_by)],
              ]}
            />
            {r.reasons.length > 0 && (
              <>
                <h3>{t('referral.reasons')}</h3>
                <ul>
                  {r.reasons.map((reason, i) => (
                    <li key={i}>{reasonText(reason, reasons)}</li>
                  ))}
                </ul>
              </>
            )}
            {r.reason && <p>{t('referral.rejectedBecause', { reason: r.reason })}</p>}
            {r.evidence_ref && (
              <p>
                <a href={evidenceUrl(r.referral_id, r.evidence_ref)} target="_blank" rel="noopener">
                  {t('referral.openEvidence')}
                </a>
              </p>
            )}
          </section>
          <section class="card" aria-labelledby="hh-title">
            <h2 id="hh-title">{t('approval.household')}</h2>
            <Facts
              items={[
                [t('referral.head'), house.head_name],
                [t('common.address'), `${house.alamat ?? '—'}, ${rtRw(house.rt, house.rw)}`],
                [
                  t('common.desa'),
                  `${names.desa(house.desa_code)}, ${names.kecamatan(house.kecamatan_code)}`,
                ],
                [t('referral.members'), num(house.member_count)],
              ]}
            />
            {staff && house.household_id > 0 && (
              <p>
                <Link href={`/households/${house.household_id}`}>
                  {t('approval.openHousehold')}
                </Link>
              </p>
            )}
            {r.persons && r.persons.length > 0 && (
              <TableWrap label={t('referral.persons')}>
                <table>
                  <caption>{t('referral.persons')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('member.name')}</th>
                      <th scope="col">NIK</th>
                      <th scope="col">{t('member.age')}</th>
                      <th scope="col">{t('member.sex')}</th>
                      <th scope="col">{t('member.relation')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.persons.map((p, i) => (
                      <tr key={i}>
                        <th scope="row">{p.name ?? '—'}</th>
                        <td class="nowrap">{p.nik ?? '—'}</td>
                        <td>{p.age ?? '—'}</td>
                        <td>{codeLabel('sex', p.sex)}</td>
                        <td>{codeLabel('relation', p.relation)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
          {mayAnswer && <Answer referral={r} onDone={data.reload} />}
          {r.history.length > 0 && (
            <section aria-labelledby="hist-title">
              <h2 id="hist-title">{t('referral.history')}</h2>
              <ol class="story">
                {r.history.map((h, i) => (
                  <li key={i}>
                    <p class="when">
                      <time dateTime={h.at}>{dateTime(h.at)}</time>
                      {h.actor && <span> · {h.actor}</span>}
                    </p>
                    <p class="what">
                      {codeLabel('referralState', h.from)} → {codeLabel('referralState', h.to)}
                    </p>
                    {h.note && <p class="meta">{h.note}</p>}
                  </li>
                ))}
              </ol>
            </section>
          )}
        </>
      )}
    </Page>
  );
}
