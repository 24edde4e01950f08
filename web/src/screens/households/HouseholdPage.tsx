// One household: address, members, where each value came from, photos, conflicts, its story.
import { household as loadHousehold, photoUrl, story as loadStory } from '../../api/households';
import type { Household, Provenance, StoredPhotoRef, Story } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { coords, dateLong, num } from '../../format';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { RouteProps } from '../../routes';
import { BackLink, Badge, Facts, Photo, TableWrap } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useNames, type Names } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { rtRw, sourcesText, welfareTone } from './labels';
import { StoryList } from './Story';

/** The household's photos: its own list when the server gives one, else the latest visit's. */
function photosOf(household: Household, story: Story | undefined): StoredPhotoRef[] {
  if (household.photos?.length) return household.photos;
  const visits = (story?.entries ?? []).filter((e) => e.kind === 'visit');
  const last = visits[visits.length - 1];
  return last && last.kind === 'visit' ? last.detail.photos : [];
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
              <td class="break">{p.filename ?? '—'}</td>
              <td>{p.batch ?? '—'}</td>
              <td>{p.row ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

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
            <th scope="col">PMKS</th>
          </tr>
        </thead>
        <tbody>
          {household.members.map((m, i) => (
            <tr key={`${m.nik}-${i}`}>
              <th scope="row">{m.name || '—'}</th>
              <td class="nowrap">{m.nik}</td>
              <td>{codeLabel('relation', m.relation)}</td>
              <td>{codeLabel('sex', m.sex)}</td>
              <td>{m.age ?? '—'}</td>
              <td>{m.pmks.map((p) => names.pmks(p)).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function HouseholdPage({ params }: RouteProps) {
  const id = Number(params.id);
  const { user } = useSession();
  const names = useNames();
  const data = useAsync((signal) => loadHousehold(id, signal), [id]);
  const storyData = useAsync((signal) => loadStory(id, signal), [id]);
  const h = data.data;
  const head = h?.members.find((m) => m.relation === 'kepala') ?? h?.members[0];
  const title = h ? (head?.name ?? t('household.title')) : t('household.title');
  const back = user.role === 'verifier' ? '/tasks' : '/households';

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
            <Badge>{codeLabel('status', h.status)}</Badge>{' '}
            {h.welfare_class && (
              <Badge tone={welfareTone(h.welfare_class)}>
                {codeLabel('welfare', h.welfare_class)}
              </Badge>
            )}
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
                [t('household.sources'), sourcesText(h.sources)],
              ]}
            />
          </section>

          <section aria-labelledby="members-title">
            <h2 id="members-title">
              {t('household.members')} ({num(h.members.length)})
            </h2>
            <Members household={h} names={names} />
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
                  <summary>{t('household.provenanceOf', { name: m.name ?? m.nik })}</summary>
                  <ProvenanceTable
                    caption={t('household.provenanceOf', { name: m.name ?? m.nik })}
                    provenance={m.provenance}
                  />
                </details>
              ) : null,
            )}
          </section>

          <section aria-labelledby="photos-title">
            <h2 id="photos-title">{t('household.photos')}</h2>
            {photosOf(h, storyData.data).length ? (
              <div class="photos">
                {photosOf(h, storyData.data).map((p) => (
                  <Photo
                    key={p.sha256}
                    thumb={photoUrl(h.id, p.sha256, 'thumb')}
                    full={photoUrl(h.id, p.sha256, 'full')}
                    alt={`${t('photo.of', { kind: codeLabel('photoKind', p.kind) })}${p.captured_at ? `, ${dateLong(p.captured_at)}` : ''}`}
                  />
                ))}
              </div>
            ) : (
              <Empty>{t('household.noPhotos')}</Empty>
            )}
          </section>

          {h.conflicts.length > 0 && (
            <section aria-labelledby="conf-title">
              <h2 id="conf-title">{t('household.conflicts', { n: num(h.conflicts.length) })}</h2>
              <ul>
                {h.conflicts.map((c) => (
                  <li key={c.conflict_id}>
                    {codeLabel('field', c.field)}
                    {c.person_name ? ` (${c.person_name})` : ''}:{' '}
                    {c.values
                      .map((v) => `${v.value ?? '—'} [${codeLabel('source', v.source)}]`)
                      .join(' ≠ ')}
                  </li>
                ))}
              </ul>
              {(user.role === 'admin' || user.role === 'supervisor') && (
                <p>
                  <Link href="/conflicts">{t('household.resolveConflicts')}</Link>
                </p>
              )}
            </section>
          )}

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
