// Users: list, create, edit, deactivate, reset password, API tokens, sync credentials.
// Passwords and tokens the server makes are shown once, here, and never again.
import { useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import * as api from '../../api/admin';
import { ROLES, type Role, type UserInput, type UserRow } from '../../api/types';
import { t } from '../../i18n';
import { dateTime } from '../../format';
import { announce } from '../../status';
import { Badge, TableWrap } from '../../ui/bits';
import { ErrorBox, Loading } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { SelectField, TextField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames, type Names } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { AreaPicker } from './AreaPicker';

/** A secret shown once, with a copy button. */
function ShownOnce({ title, secret }: { title: string; secret: string }) {
  const copy = () =>
    void navigator.clipboard?.writeText(secret).then(
      () => announce(t('users.copied')),
      () => announce(t('users.copyFailed'), 'error'),
    );
  return (
    <div class="alert info" role="status">
      <p>
        <strong>{title}</strong> {t('users.shownOnce')}
      </p>
      <p class="secret">
        <code>{secret}</code>
      </p>
      <button type="button" class="secondary" onClick={copy}>
        {t('users.copy')}
      </button>
    </div>
  );
}

const areaText = (u: UserRow, names: Names) =>
  [
    ...u.kecamatan_codes.map((k) => `${t('common.kecamatan')} ${names.kecamatan(k)}`),
    ...u.desa_codes.map((d) => names.desa(d)),
  ].join(', ') || t('account.wholeDistrict');

function UserForm({
  user,
  names,
  onSaved,
}: {
  user: UserRow | null;
  names: Names;
  onSaved: (u: UserRow, password?: string) => void;
}) {
  const [form, setForm] = useState<UserInput>(() => ({
    username: user?.username ?? '',
    name: user?.name ?? '',
    role: user?.role ?? 'operator',
    kecamatan_codes: user?.kecamatan_codes ?? [],
    desa_codes: user?.desa_codes ?? [],
    opd_code: user?.opd_code ?? null,
    email: user?.email ?? null,
    phone: user?.phone ?? null,
  }));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof UserInput>(key: K) =>
    (value: UserInput[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const err = (key: string) => errorsAt(error?.fields, key);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: UserInput = {
      ...form,
      email: form.email?.trim() || null,
      phone: form.phone?.trim() || null,
      opd_code: form.role === 'opd' ? form.opd_code : null,
    };
    try {
      if (user) {
        const { username: _unchanged, ...changes } = body;
        onSaved(await api.updateUser(user.username, changes));
      } else {
        const made = await api.createUser(body);
        onSaved(made.user, made.temporary_password);
      }
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBox error={error} focus />
      <div class="grid">
        {!user && (
          <TextField
            label={t('account.username')}
            required
            autoCapitalize="none"
            spellcheck={false}
            value={form.username ?? ''}
            onValue={set('username')}
            error={err('username')}
          />
        )}
        <TextField
          label={t('account.name')}
          required
          value={form.name}
          onValue={set('name')}
          error={err('name')}
        />
        <SelectField
          label={t('account.role')}
          required
          placeholder={null}
          value={form.role}
          onValue={(v) => set('role')(v as Role)}
          options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          error={err('role')}
        />
        {form.role === 'opd' && (
          <SelectField
            label={t('account.agency')}
            required
            value={form.opd_code ?? ''}
            onValue={(v) => set('opd_code')(v || null)}
            options={names.agencies.map((o) => ({
              value: o.code,
              label: `${o.abbreviation} — ${o.name}`,
            }))}
            error={err('opd_code')}
          />
        )}
        <TextField
          label={t('users.email')}
          type="email"
          autoComplete="off"
          value={form.email ?? ''}
          onValue={set('email')}
          error={err('email')}
        />
        <TextField
          label={t('users.phone')}
          type="tel"
          autoComplete="off"
          value={form.phone ?? ''}
          onValue={set('phone')}
          error={err('phone')}
        />
      </div>
      {form.role !== 'opd' && form.role !== 'admin' && (
        <AreaPicker
          kecamatan={names.areas?.kecamatan ?? []}
          kecamatanCodes={form.kecamatan_codes}
          desaCodes={form.desa_codes}
          onChange={(k, d) => setForm((f) => ({ ...f, kecamatan_codes: k, desa_codes: d }))}
          error={err('kecamatan_codes') ?? err('desa_codes')}
        />
      )}
      <button type="submit" disabled={busy}>
        {user ? t('users.save') : t('users.create')}
      </button>
    </form>
  );
}

function Tokens({ user }: { user: UserRow }) {
  const list = useAsync((signal) => api.tokens(user.username, signal), [user.username]);
  const [token, setToken] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      list.reload();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  return (
    <section aria-labelledby="tokens-title">
      <h3 id="tokens-title">{t('users.tokens')}</h3>
      <ErrorBox error={error ?? list.error} />
      {token && <ShownOnce title={t('users.newToken')} secret={token} />}
      {list.data && list.data.length > 0 && (
        <TableWrap label={t('users.tokens')}>
          <table>
            <caption class="visually-hidden">{t('users.tokens')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('users.tokenId')}</th>
                <th scope="col">{t('users.tokenLabel')}</th>
                <th scope="col">{t('users.tokenCreated')}</th>
                <th scope="col">{t('users.tokenExpires')}</th>
                <th scope="col">{t('users.tokenUsed')}</th>
                <th scope="col">{t('users.tokenAction')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((tk) => (
                <tr key={tk.id}>
                  <th scope="row">#{tk.id}</th>
                  <td>{tk.label || '—'}</td>
                  <td>{dateTime(tk.created_at)}</td>
                  <td>{dateTime(tk.expires_at)}</td>
                  <td>{dateTime(tk.last_used_at)}</td>
                  <td>
                    {tk.state !== 'live' ? (
                      t(`users.token.${tk.state}`)
                    ) : (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={t('users.revokeToken', { id: tk.id })}
                        onClick={() =>
                          void act(async () => {
                            await api.revokeToken(tk.id);
                            announce(t('users.tokenRevoked'));
                          })
                        }
                      >
                        {t('users.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <form
        class="inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void act(async () => {
            setToken((await api.createToken(user.username, label.trim() || null)).token);
            setLabel('');
          });
        }}
      >
        <TextField label={t('users.tokenLabel')} value={label} onValue={setLabel} />
        <button type="submit" class="secondary">
          {t('users.createToken')}
        </button>
      </form>
    </section>
  );
}

function UserPanel({
  user,
  names,
  onChanged,
}: {
  user: UserRow;
  names: Names;
  onChanged: (u: UserRow) => void;
}) {
  const [password, setPassword] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  // each of these changes the user's access at once: ask first
  const act = async (question: string, action: () => Promise<void>) => {
    if (!window.confirm(question)) return;
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  return (
    <>
      <UserForm
        key={user.username}
        user={user}
        names={names}
        onSaved={(u) => {
          onChanged(u);
          announce(t('users.saved'));
        }}
      />
      <section aria-labelledby="security-title">
        <h3 id="security-title">{t('users.security')}</h3>
        <ErrorBox error={error} />
        {password && <ShownOnce title={t('users.tempPassword')} secret={password} />}
        <div class="actions">
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void act(t('users.confirmReset', { username: user.username }), async () =>
                setPassword((await api.resetPassword(user.username)).temporary_password),
              )
            }
          >
            {t('users.resetPassword')}
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void act(t('users.confirmSync', { username: user.username }), async () => {
                await api.revokeSync(user.username);
                announce(t('users.syncRevoked'));
              })
            }
          >
            {t('users.revokeSync')}
          </button>
          <button
            type="button"
            class={user.active ? 'danger' : 'secondary'}
            onClick={() =>
              void act(t('users.confirmActive', { username: user.username }), async () => {
                onChanged(await api.updateUser(user.username, { active: !user.active }));
                announce(user.active ? t('users.deactivated') : t('users.activated'));
              })
            }
          >
            {user.active ? t('users.deactivate') : t('users.activate')}
          </button>
        </div>
      </section>
      <Tokens user={user} />
    </>
  );
}

export function Users() {
  const names = useNames();
  const list = useAsync((signal) => api.users(signal), []);
  // which panel is open; a username could be "new", so the kinds are kept apart
  const [selected, setSelected] = useState<
    { kind: 'new' } | { kind: 'edit'; username: string } | null
  >(null);
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);
  const panel = useRef<HTMLHeadingElement>(null);
  const open = (which: { kind: 'new' } | { kind: 'edit'; username: string }) => {
    setSelected(which);
    setCreated(null);
    window.setTimeout(() => panel.current?.focus(), 0);
  };
  const users = list.data ?? [];
  const user =
    selected?.kind === 'edit'
      ? (users.find((u) => u.username === selected.username) ?? null)
      : null;
  const replace = (u: UserRow) =>
    list.setData(
      [...users.filter((x) => x.username !== u.username), u].sort((a, b) =>
        a.username.localeCompare(b.username),
      ),
    );

  return (
    <Page title={t('users.title')}>
      <p>
        <button type="button" onClick={() => open({ kind: 'new' })}>
          {t('users.add')}
        </button>
      </p>
      {created && (
        <ShownOnce
          title={t('users.createdFor', { username: created.username })}
          secret={created.password}
        />
      )}
      {selected && (
        <section class="card" aria-labelledby="user-panel">
          <h2 id="user-panel" tabIndex={-1} ref={panel}>
            {selected.kind === 'new'
              ? t('users.add')
              : t('users.edit', { username: selected.username })}
          </h2>
          {selected.kind === 'new' ? (
            <UserForm
              user={null}
              names={names}
              onSaved={(u, password) => {
                replace(u);
                setSelected(null);
                if (password) setCreated({ username: u.username, password });
                announce(t('users.created'));
              }}
            />
          ) : (
            user && <UserPanel user={user} names={names} onChanged={replace} />
          )}
          <button type="button" class="link-button" onClick={() => setSelected(null)}>
            {t('common.close')}
          </button>
        </section>
      )}
      {list.loading && <Loading />}
      <ErrorBox error={list.error} />
      {list.data && (
        <TableWrap label={t('users.list')}>
          <table>
            <caption class="visually-hidden">{t('users.list')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('account.username')}</th>
                <th scope="col">{t('account.name')}</th>
                <th scope="col">{t('account.role')}</th>
                <th scope="col">{t('account.area')}</th>
                <th scope="col">{t('users.state')}</th>
                <th scope="col">{t('users.action')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.username}>
                  <th scope="row">{u.username}</th>
                  <td>{u.name}</td>
                  <td>
                    {t(`role.${u.role}`)}
                    {u.opd_code ? ` (${names.agency(u.opd_code)})` : ''}
                  </td>
                  <td>{u.role === 'opd' ? '—' : areaText(u, names)}</td>
                  <td>
                    {u.active ? (
                      <Badge>{t('users.active')}</Badge>
                    ) : (
                      <Badge tone="strong">{t('users.inactive')}</Badge>
                    )}
                    {u.locked_until && Date.parse(u.locked_until) > Date.now() && (
                      <>
                        {' '}
                        <Badge tone="warn">
                          {t('users.lockedUntil', { when: dateTime(u.locked_until) })}
                        </Badge>
                      </>
                    )}
                    {u.must_change_password && (
                      <>
                        {' '}
                        <Badge>{t('users.mustChange')}</Badge>
                      </>
                    )}
                    {u.totp_enabled && (
                      <>
                        {' '}
                        <Badge>TOTP</Badge>
                      </>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => open({ kind: 'edit', username: u.username })}
                      aria-label={t('users.edit', { username: u.username })}
                    >
                      {t('users.change')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Page>
  );
}
