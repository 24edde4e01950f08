// Sign-in: username and password, then a TOTP code when the server asks for one.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../api/client';
import { signIn } from '../api/session';
import type { LocalText } from '../api/types';
import { pick, t } from '../i18n';
import { applySession } from '../session';
import { num } from '../format';
import { ErrorBox } from '../ui/feedback';
import { SignInForm, useCredentialForm } from '../ui/SignInForm';
import { Page } from '../ui/Page';

export function SignIn({ message }: { message?: LocalText | undefined }) {
  const form = useCredentialForm();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(form.credentials());
      applySession(session); // the shell then leaves /signin for ?next or the role's page
    } catch (failure) {
      const e = asApiError(failure);
      if (!form.askedForCode(e)) setError(e);
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
        <SignInForm
          words={{
            username: t('signin.username'),
            password: t('signin.password'),
            totp: t('signin.totp'),
            totpHint: t('signin.totpHint'),
            submit: t('signin.submit'),
            busy: t('common.wait'),
          }}
          form={form}
          busy={busy}
          onSubmit={submit}
        />
      </div>
    </Page>
  );
}
