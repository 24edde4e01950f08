// Sign-in: username and password, then a TOTP code when the server asks for one.
import { useEffect, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../api/client';
import { signIn } from '../api/session';
import type { LocalText } from '../api/types';
import { pick, t } from '../i18n';
import { applySession } from '../session';
import { num } from '../format';
import { ErrorBox } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { Page } from '../ui/Page';

export function SignIn({ message }: { message?: LocalText | undefined }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (needCode) document.getElementById('signin-totp')?.focus();
  }, [needCode]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn({
        username: username.trim(),
        password,
        ...(needCode ? { totp: code.trim() } : {}),
      });
      applySession(session); // the shell then leaves /signin for ?next or the role's page
    } catch (failure) {
      const e = asApiError(failure);
      if (e.code === 'totp_required' && !needCode) setNeedCode(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const lockedFor =
    error?.code === 'locked' && error.retryAfter ? Math.ceil(error.retryAfter / 60) : null;

  return (
    <Page title={t('signin.title')}>
      <div class="narrow">
        {message && !error && (
          <div class="alert info" role="status">
            <p>{pick(message)}</p>
          </div>
        )}
        {error && error.code !== 'locked' && <ErrorBox error={error} focus />}
        {error?.code === 'locked' && (
          <div class="alert error" role="alert">
            <p>{pick(error.message)}</p>
            {lockedFor !== null && <p>{t('signin.lockedWait', { minutes: num(lockedFor) })}</p>}
          </div>
        )}
        <form onSubmit={submit} noValidate class="card">
          <TextField
            label={t('signin.username')}
            value={username}
            onValue={setUsername}
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
          />
          <TextField
            label={t('signin.password')}
            type="password"
            value={password}
            onValue={setPassword}
            autoComplete="current-password"
            required
          />
          {needCode && (
            <TextField
              id="signin-totp"
              label={t('signin.totp')}
              hint={t('signin.totpHint')}
              value={code}
              onValue={setCode}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={8}
              required
            />
          )}
          <button type="submit" disabled={busy}>
            {busy ? t('common.wait') : t('signin.submit')}
          </button>
        </form>
      </div>
    </Page>
  );
}
