// An agency's referral inbox: new, accepted, in progress, overdue, closed.
import { referrals } from '../../api/referrals';
import type { ReferralTab } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { Link, setQuery, useQuery } from '../../router';
import { useSession } from '../../session';
import { Badge, Tabs } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { SelectField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { rtRw } from '../households/labels';
import { dueLine } from './text';

const TABS: ReferralTab[] = ['new', 'accepted', 'in_progress', 'overdue', 'closed'];

export function Inbox() {
  const { user } = useSession();
  const names = useNames();
  const query = useQuery();
  const tab = TABS.find((x) => x === query.get('tab')) ?? 'new';
  const staff = user.role !== 'opd';
  const opd = staff ? (query.get('opd') ?? '') : user.opd_code;
  const data = useAsync(
    (signal) => (opd ? referrals(staff ? opd : null, tab, signal) : Promise.resolve(null)),
    [opd, tab],
  );
  const link = (key: string) =>
    `/referrals?${new URLSearchParams({ ...(staff && opd ? { opd } : {}), tab: key }).toString()}`;
  const list = data.data?.referrals ?? [];

  return (
    <Page
      title={
        staff
          ? t('referrals.titleStaff')
          : t('referrals.title', { agency: names.agency(user.opd_code) })
      }
    >
      {staff && (
        <div class="card narrow">
          <SelectField
            label={t('referrals.agency')}
            value={opd ?? ''}
            onValue={(v) => setQuery({ opd: v })}
            options={names.agencies.map((o) => ({
              value: o.code,
              label: `${o.abbreviation} — ${o.name}`,
            }))}
          />
        </div>
      )}
      <Tabs
        label={t('referrals.tabs')}
        current={tab}
        tabs={TABS.map((key) => ({ key, href: link(key), text: codeLabel('tab', key) }))}
      />
      {!opd && <p>{t('referrals.chooseAgency')}</p>}
      {data.loading && opd && <Loading />}
      <ErrorBox error={data.error} />
      {data.data &&
        (list.length === 0 ? (
          <Empty>{t('referrals.none')}</Empty>
        ) : (
          <ul class="results">
            {list.map((r) => {
              const line = dueLine(r);
              return (
                <li key={r.referral_id} class="card result">
                  <h2 class="h3">
                    <Link href={`/referrals/${r.referral_id}`}>
                      {codeLabel('need', r.need)} —{' '}
                      {r.household
                        ? r.household.head_name || t('household.noName')
                        : t('referral.householdNo', { id: r.household_id ?? '—' })}
                    </Link>
                  </h2>
                  {r.household && (
                    <p class="meta">
                      {r.household.alamat ?? '—'} · {rtRw(r.household.rt, r.household.rw)} ·{' '}
                      {names.desa(r.household.desa_code)},{' '}
                      {names.kecamatan(r.household.kecamatan_code)}
                    </p>
                  )}
                  {r.programme && <p class="meta">{r.programme}</p>}
                  <p class="badges">
                    <Badge>{codeLabel('referralState', r.state)}</Badge>{' '}
                    {r.overdue && <Badge tone="strong">{t('referral.overdue')}</Badge>}{' '}
                    {line.text && <span class={line.late ? 'late' : 'meta'}>{line.text}</span>}
                  </p>
                </li>
              );
            })}
          </ul>
        ))}
    </Page>
  );
}
