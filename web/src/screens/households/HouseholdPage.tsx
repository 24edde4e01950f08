// One household: address, members, where each value came from, photos, conflicts, its story.
import { household as loadHousehold, photoUrl, story as loadStory } from '../../api/households';
import type { Household, Member, Provenance, StoredPhotoRef, Story } from '../../api/types';
import { BarChart } from '../../charts/BarChart';
import { codeLabel, t } from '../../i18n';
import { age, coords, num } from '../../format';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { RouteProps } from '../../routes';
import { BackLink, Badge, Facts, Photo, TableWrap } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useNames, type Names } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { fileText, rtRw, sourcesText } from './labels';
import { Standing } from './Standing';
import { StoryList } from './Story';

/** The photos of the household's visits, the latest visit's first. */
function photosOf(story: Story | undefined): StoredPhotoRef[] {
  const seen = new Set<string>();
  const found: StoredPhotoRef[] = [];
  const visits = (story?.entries ?? []).filter((e) => e.kind === 'visit').reverse();
  for (const visit of visits) {
    if (visit.kind !== 'visit') continue;
    for (const photo of visit.detail.photos) {
      if (seen.has(photo.sha256)) continue;
      seen.add(photo.sha256);
      found.push({ ...photo, captured_at: visit.at });
    }
  }
  return found;
}

function ProvenanceTable({
  caption,
  provenance,
}: {
  caption: string;
  provenance: Record<string, Provenance>;
}) {
  const rows = Object.entries(provenance);
  if (!rows.length) return null;
  return (
    <TableWrap label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('provenance.field')}</th>
            <th scope="col">{t('provenance.source')}</th>
            <th scope="col">{t('provenance.file')}</th>
            <th scope="col">{t('provenance.batch')}</th>
            <th scope="col">{t('provenance.row')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([field, p]) => (
            <tr key={field}>
              <th scope="row">{codeLabel('field', field)}</th>
              <td>{codeLabel('source', p.source)}</td>
              <td class="break">{fileText(p.filename)}</td>
              <td>{p.batch ?? '—'}</td>
              <td>{p.row ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

const memberName = (m: Member) => m.nama || t('household.noName');

function Members({ household, names }: { household: Household; names: Names }) {
  return (
    <TableWrap label={t('household.members')}>
      <table>
        <caption class="visually-hidden">{t('household.members')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('member.name')}</th>
            <th scope="col">NIK</th>
            <th scope="col">{t('member.relation')}</th>
            <th scope="col">{t('member.sex')}</th>
            <th scope="col">{t('member.age')}</th>
            <th scope="col">{t('member.marital')}</th>
            <th scope="col">PMKS</th>
          </tr>
        </thead>
        <tbody>
          {household.members.map((m, i) => (
            <tr key={`${m.nik}-${i}`}>
              <th scope="row">{memberName(m)}</th>
              <td class="nowrap">{m.nik}</td>
              <td>{codeLabel('relation', m.hubungan)}</td>
              <td>{codeLabel('sex', m.jenis_kelamin)}</td>
              <td>{num(age(m.tanggal_lahir))}</td>
              <td>{m.status_kawin ? codeLabel('marital', m.status_kawin) : '—'}</td>
              <td>{(m.pmks ?? []).map((p) => names.pmks(p)).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The members' ages as bars (who is a child, who is old), each bar telling its name. */
function Ages({ household }: { household: Household }) {
  const bars = household.members
    .map((m) => ({ label: memberName(m), values: [age(m.tanggal_lahir)] }))
    .filter((b) => b.values[0] !== null);
  if (!bars.length) return null;
  return (
    <div class="chart-block">
      <BarChart
        title={t('household.agesChart')}
        series={[{ name: t('member.age'), color: '#2166ac' }]}
        bars={bars}
        format={(n) => t('household.years', { n: num(n) })}
      />
    </div>
  );
}

function ConflictList({ household }: { household: Household }) {
  const { user } = useSession();
  const open = household.conflicts.filter((c) => c.status === 'open');
  if (!open.length) return null;
  return (
    <section aria-labelledby="conf-title">
      <h2 id="conf-title">{t('household.conflicts', { n: num(open.length) })}</h2>
      <ul class="conflict-list">
        {open.map((c) => (
          <li key={c.id}>
            <strong>{codeLabel('field', c.field)}</strong>
            {c.person_name ? ` (${c.person_name})` : ''}:{' '}
            {[c.kept, c.other]
              .map((v) => `${v.value ?? '—'} [${codeLabel('source', v.source)}]`)
              .join(' ≠ ')}
          </li>
        ))}
      </ul>
      {(user.role === 'admin' || user.role === 'supervisor') && (
        <p>
          <Link href={`/conflicts?household=${household.id}`}>
            {t('household.resolveConflicts')}
          </Link>
        </p>
      )}
    </section>
  );
}

export function HouseholdPage({ params }: RouteProps) {
  const id = Number(params.id);
  const { user } = useSession();
  const names = useNames();
  const data = useAsync((signal) => loadHousehold(id, signal), [id]);
  const storyData = useAsync((signal) => loadStory(id, signal), [id]);
  const h = data.data;
  const head = h?.members.find((m) => m.hubungan === 'kepala') ?? h?.members[0];
  const title = h && head?.nama ? head.nama : t('household.title');
  const back = user.role === 'verifier' ? '/tasks' : '/households';
  const photos = photosOf(storyData.data);

  return (
    <Page
      title={title}
      before={
        <BackLink href={back}>
          {t(user.role === 'verifier' ? 'nav.myTasks' : 'search.title')}
        </BackLink>
      }
    >
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {h && (
        <>
          <p class="badges">
            <Standing status={h.status} welfareClass={h.welfare_class} />{' '}
            {h.in_care_while_not_poor && <Badge tone="warn">{t('story.inCareNotPoor')}</Badge>}
          </p>
          <section class="card" aria-labelledby="addr-title">
            <h2 id="addr-title">{t('household.address')}</h2>
            <Facts
              items={[
                [t('common.noKk'), h.no_kk],
                [t('household.street'), h.address.alamat],
                ['RT / RW', rtRw(h.address.rt, h.address.rw)],
                [t('household.dusun'), h.address.dusun],
                [t('common.desa'), names.desa(h.address.desa_code)],
                [t('common.kecamatan'), names.kecamatan(h.address.kecamatan_code)],
                [t('household.position'), coords(h.address.latitude, h.address.longitude)],
                [t('field.desil'), h.desil ? String(h.desil) : null],
                [t('household.sources'), sourcesText(h.sources)],
              ]}
            />
          </section>

          <section aria-labelledby="members-title">
            <h2 id="members-title">
              {t('household.members')} ({num(h.members.length)})
            </h2>
            <Members household={h} names={names} />
            <Ages household={h} />
          </section>

          <section aria-labelledby="prov-title">
            <h2 id="prov-title">{t('household.provenance')}</h2>
            <p class="hint">{t('household.provenanceHint')}</p>
            <ProvenanceTable
              caption={t('household.provenanceHousehold')}
              provenance={h.provenance}
            />
            {h.members.map((m, i) =>
              Object.keys(m.provenance).length ? (
                <details key={`${m.nik}-${i}`}>
                  <summary>{t('household.provenanceOf', { name: memberName(m) })}</summary>
                  <ProvenanceTable
                    caption={t('household.provenanceOf', { name: memberName(m) })}
                    provenance={m.provenance}
                  />
                </details>
              ) : null,
            )}
          </section>

          <section aria-labelledby="photos-title">
            <h2 id="photos-title">{t('household.photos')}</h2>
            {storyData.loading && <Loading />}
            {photos.length ? (
              <div class="photos">
                {photos.map((p) => (
                  <Photo
                    key={p.sha256}
                    thumb={photoUrl(h.id, p.sha256, 'thumb')}
                    full={photoUrl(h.id, p.sha256, 'full')}
                    alt={t('photo.of', { kind: codeLabel('photoKind', p.kind) })}
                  />
                ))}
              </div>
            ) : (
              !storyData.loading && <Empty>{t('household.noPhotos')}</Empty>
            )}
          </section>

          <ConflictList household={h} />

          <section aria-labelledby="story-title">
            <h2 id="story-title">{t('household.story')}</h2>
            {storyData.loading && <Loading />}
            <ErrorBox error={storyData.error} />
            {storyData.data &&
              (storyData.data.entries.length ? (
                <StoryList entries={storyData.data.entries} householdId={h.id} names={names} />
              ) : (
                <Empty>{t('household.noStory')}</Empty>
              ))}
          </section>
        </>
      )}
    </Page>
  );
}
