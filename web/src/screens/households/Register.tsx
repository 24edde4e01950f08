// Register a household the national data misses (Data Pemda): the address once, then its
// members as the family card (KK) lists them. The server checks it like an import row and
// refuses it whole, naming member and field; the form keeps everything typed.
import { useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError, type FieldErrors } from '../../api/client';
import { registerHousehold } from '../../api/households';
import type { MemberEntry } from '../../api/types';
import { codeLabel, codesOf, t, type Key } from '../../i18n';
import { navigate } from '../../router';
import { scopedAreas } from '../../scope';
import { useSession } from '../../session';
import { announce } from '../../status';
import { ErrorBox, ErrorSummary } from '../../ui/feedback';
import { errorsAt, flatten } from '../../ui/fieldErrors';
import { ChoiceGroup, SelectField, TextField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';

// How the registry reads these values (services/registry/vocabulary.py "word" style).
const RELATION_WORD: Record<string, string> = {
  kepala: 'Kepala Keluarga',
  pasangan: 'Istri/Suami',
  anak: 'Anak',
  menantu: 'Menantu',
  cucu: 'Cucu',
  orang_tua: 'Orang Tua/Mertua',
  pembantu: 'Pembantu/Sopir',
  lainnya: 'Lainnya',
};
const MARITAL_WORD: Record<string, string> = {
  belum_kawin: 'Belum Kawin',
  kawin: 'Kawin',
  cerai_hidup: 'Cerai Hidup',
  cerai_mati: 'Cerai Mati',
};
const MARITAL_LABEL: Record<string, Key> = {
  belum_kawin: 'marital.belum_kawin',
  kawin: 'marital.kawin',
  cerai_hidup: 'marital.cerai_hidup',
  cerai_mati: 'marital.cerai_mati',
};

interface MemberForm {
  key: number;
  nik: string;
  nama: string;
  hubungan: string;
  jenis_kelamin: string;
  tanggal_lahir: string; // YYYY-MM-DD from the date input
  status_kawin: string;
  pmks: string;
}
type HouseholdField = 'kode_desa' | 'no_kk' | 'alamat' | 'rt' | 'rw' | 'dusun';
type MemberField = Exclude<keyof MemberForm, 'key'>;

const HOUSEHOLD_FIELDS: HouseholdField[] = ['kode_desa', 'no_kk', 'alamat', 'rt', 'rw', 'dusun'];
const LABELS: Record<HouseholdField | MemberField, Key> = {
  kode_desa: 'common.desa',
  no_kk: 'common.noKk',
  alamat: 'household.street',
  rt: 'register.rt',
  rw: 'register.rw',
  dusun: 'household.dusun',
  nik: 'register.nik',
  nama: 'member.name',
  hubungan: 'member.relation',
  jenis_kelamin: 'member.sex',
  tanggal_lahir: 'member.birthDate',
  status_kawin: 'member.marital',
  pmks: 'member.pmks',
};

let nextKey = 1;
const blankMember = (hubungan = ''): MemberForm => ({
  key: nextKey++,
  nik: '',
  nama: '',
  hubungan,
  jenis_kelamin: '',
  tanggal_lahir: '',
  status_kawin: '',
  pmks: '',
});

/** 1985-08-17 → 17-08-1985, as the registry's rows write dates. */
const dmy = (iso: string) => (iso ? iso.split('-').reverse().join('-') : null);
const orNull = (value: string) => value.trim() || null;

/** Checks worth doing before the round trip; the server checks everything again. */
function localErrors(house: Record<HouseholdField, string>, members: MemberForm[]): FieldErrors {
  const errors: FieldErrors = {};
  const memberErrors: FieldErrors = {};
  if (!house.kode_desa) errors.kode_desa = [t('form.requiredField')];
  if (house.no_kk.trim() && !/^\d{16}$/.test(house.no_kk.trim()))
    errors.no_kk = [t('form.digits16')];
  members.forEach((m, i) => {
    const e: FieldErrors = {};
    if (!/^\d{16}$/.test(m.nik.trim())) e.nik = [t('form.digits16')];
    if (!m.nama.trim()) e.nama = [t('form.requiredField')];
    if (Object.keys(e).length) memberErrors[String(i)] = e;
  });
  if (Object.keys(memberErrors).length) errors.members = memberErrors;
  return errors;
}

export function Register() {
  const { user } = useSession();
  const names = useNames();
  const desaChoices = scopedAreas(user, names.areas).flatMap((k) =>
    k.desa.map((d) => ({ value: d.code, label: `${d.name} (${k.name})` })),
  );
  const [house, setHouse] = useState<Record<HouseholdField, string>>({
    kode_desa: user.desa_codes.length === 1 ? user.desa_codes[0]! : '',
    no_kk: '',
    alamat: '',
    rt: '',
    rw: '',
    dusun: '',
  });
  const [members, setMembers] = useState<MemberForm[]>(() => [blankMember('kepala')]);
  const [fields, setFields] = useState<FieldErrors | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);

  const setH = (key: HouseholdField) => (value: string) =>
    setHouse((h) => ({ ...h, [key]: value }));
  const setM = (index: number, key: MemberField) => (value: string) =>
    setMembers((list) => list.map((m, i) => (i === index ? { ...m, [key]: value } : m)));

  const add = () => {
    const member = blankMember();
    setMembers((list) => [...list, member]);
    // focus the new member's first field once it is drawn
    window.setTimeout(() => document.getElementById(`m${member.key}-nik`)?.focus(), 0);
  };
  const remove = (index: number) => {
    setMembers((list) => list.filter((_, i) => i !== index));
    setFields(null); // indexes shift: old member errors no longer point at the right person
    addButton.current?.focus();
  };

  // A household field's errors come per member from the server (members.2.rt): gather them.
  const householdError = (key: HouseholdField): string[] | undefined => {
    const all = [
      ...(errorsAt(fields, key) ?? []),
      ...members.flatMap((_, i) => errorsAt(fields, `members.${i}.${key}`) ?? []),
    ];
    return all.length ? [...new Set(all)] : undefined;
  };
  const memberError = (i: number, key: MemberField) => errorsAt(fields, `members.${i}.${key}`);

  const items = flatten(fields).map(({ path, messages }) => {
    const parts = path.split('.');
    const field = parts[parts.length - 1] as HouseholdField | MemberField;
    const index = parts[0] === 'members' && parts.length >= 3 ? Number(parts[1]) : null;
    const member = index === null ? undefined : members[index];
    const own = HOUSEHOLD_FIELDS.includes(field as HouseholdField);
    const label = field in LABELS ? t(LABELS[field]) : field;
    return {
      id: own || !member ? `hh-${own ? field : 'kode_desa'}` : `m${member.key}-${field}`,
      label: member && !own ? `${t('register.member', { n: (index ?? 0) + 1 })}, ${label}` : label,
      messages,
    };
  });
  // a household field is refused once per member: list it once
  const summary = items.filter(
    (item, i) =>
      items.findIndex((x) => x.id === item.id && x.messages.join() === item.messages.join()) === i,
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const local = localErrors(house, members);
    if (Object.keys(local).length) {
      setFields(local);
      return;
    }
    const body: MemberEntry[] = members.map((m) => ({
      nik: m.nik.trim(),
      nama: m.nama.trim(),
      no_kk: orNull(house.no_kk),
      hubungan: RELATION_WORD[m.hubungan] ?? null,
      jenis_kelamin: m.jenis_kelamin || null,
      tanggal_lahir: dmy(m.tanggal_lahir),
      status_kawin: MARITAL_WORD[m.status_kawin] ?? null,
      pmks: m.pmks || null,
      kode_desa: house.kode_desa,
      alamat: orNull(house.alamat),
      rt: orNull(house.rt),
      rw: orNull(house.rw),
      dusun: orNull(house.dusun),
    }));
    setBusy(true);
    try {
      const answer = await registerHousehold(body);
      announce(t('register.saved'));
      const first = answer.household_ids[0];
      navigate(first ? `/households/${first}` : '/households');
    } catch (failure) {
      const e = asApiError(failure);
      setFields(e.fields);
      if (!e.fields) setError(e);
    } finally {
      setBusy(false);
    }
  };

  const pmksOptions = names.pmksList.map((p) => ({ value: p.code, label: names.pmks(p.code) }));

  return (
    <Page title={t('register.title')}>
      <p>{t('register.intro')}</p>
      <ErrorBox error={error} focus />
      <ErrorSummary items={summary} />
      <form onSubmit={submit} noValidate>
        <fieldset class="card">
          <legend>{t('household.address')}</legend>
          <div class="grid">
            <SelectField
              id="hh-kode_desa"
              label={t('common.desa')}
              value={house.kode_desa}
              onValue={setH('kode_desa')}
              options={desaChoices}
              required
              error={householdError('kode_desa')}
            />
            <TextField
              id="hh-no_kk"
              label={t('common.noKk')}
              value={house.no_kk}
              onValue={setH('no_kk')}
              inputMode="numeric"
              maxLength={16}
              error={householdError('no_kk')}
            />
            <TextField
              id="hh-alamat"
              label={t('household.street')}
              value={house.alamat}
              onValue={setH('alamat')}
              autoComplete="street-address"
              error={householdError('alamat')}
            />
            <TextField
              id="hh-rt"
              label="RT"
              class="short"
              value={house.rt}
              onValue={setH('rt')}
              inputMode="numeric"
              maxLength={3}
              error={householdError('rt')}
            />
            <TextField
              id="hh-rw"
              label="RW"
              class="short"
              value={house.rw}
              onValue={setH('rw')}
              inputMode="numeric"
              maxLength={3}
              error={householdError('rw')}
            />
            <TextField
              id="hh-dusun"
              label={t('household.dusun')}
              value={house.dusun}
              onValue={setH('dusun')}
              error={householdError('dusun')}
            />
          </div>
        </fieldset>

        {members.map((m, i) => (
          <fieldset class="card member" key={m.key}>
            <legend>{t('register.member', { n: i + 1 })}</legend>
            <div class="grid">
              <TextField
                id={`m${m.key}-nik`}
                label={t('register.nik')}
                value={m.nik}
                onValue={setM(i, 'nik')}
                inputMode="numeric"
                maxLength={16}
                required
                error={memberError(i, 'nik')}
              />
              <TextField
                id={`m${m.key}-nama`}
                label={t('member.name')}
                value={m.nama}
                onValue={setM(i, 'nama')}
                autoComplete="off"
                required
                error={memberError(i, 'nama')}
              />
              <SelectField
                id={`m${m.key}-hubungan`}
                label={t('member.relation')}
                value={m.hubungan}
                onValue={setM(i, 'hubungan')}
                options={codesOf('relation').map((c) => ({
                  value: c,
                  label: codeLabel('relation', c),
                }))}
                error={memberError(i, 'hubungan')}
              />
              <ChoiceGroup
                id={`m${m.key}-jenis_kelamin`}
                label={t('member.sex')}
                inline
                options={codesOf('sex').map((c) => ({ value: c, label: codeLabel('sex', c) }))}
                value={m.jenis_kelamin ? [m.jenis_kelamin] : []}
                onValue={(v) => setM(i, 'jenis_kelamin')(v[0] ?? '')}
                error={memberError(i, 'jenis_kelamin')}
              />
              <TextField
                id={`m${m.key}-tanggal_lahir`}
                label={t('member.birthDate')}
                type="date"
                value={m.tanggal_lahir}
                onValue={setM(i, 'tanggal_lahir')}
                error={memberError(i, 'tanggal_lahir')}
              />
              <SelectField
                id={`m${m.key}-status_kawin`}
                label={t('member.marital')}
                value={m.status_kawin}
                onValue={setM(i, 'status_kawin')}
                options={Object.entries(MARITAL_LABEL).map(([c, key]) => ({
                  value: c,
                  label: t(key),
                }))}
                error={memberError(i, 'status_kawin')}
              />
              <SelectField
                id={`m${m.key}-pmks`}
                label={t('member.pmks')}
                value={m.pmks}
                onValue={setM(i, 'pmks')}
                options={pmksOptions}
                placeholder={t('register.noPmks')}
                error={memberError(i, 'pmks')}
              />
            </div>
            {members.length > 1 && (
              <button type="button" class="secondary" onClick={() => remove(i)}>
                {t('register.removeMember', { n: i + 1 })}
              </button>
            )}
          </fieldset>
        ))}

        <div class="actions">
          <button
            type="button"
            class="secondary"
            ref={addButton}
            onClick={add}
            disabled={members.length >= 30}
          >
            {t('register.addMember')}
          </button>
          <button type="submit" disabled={busy}>
            {busy ? t('common.wait') : t('register.submit')}
          </button>
        </div>
      </form>
    </Page>
  );
}
