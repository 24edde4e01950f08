import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { beginTotp, confirmTotp, disableTotp } from '../../api/session';
import type { TotpEnrolment } from '../../api/types';
import { t } from '../../i18n';
import { applySession, useSession } from '../../session';
import { announce } from '../../status';
import { ErrorBox } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { TextField } from '../../ui/fields';

/** The secret in groups of four, easier to type into an authenticator app by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

/** Turn two-step sign-in (TOTP) on or off. A QR code is left out: the secret is typed in. */
export function TotpPanel() {
  const session = useSession();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const enabled = session.user.totp_enabled;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  const begin = () => run(async () => setEnrolment(await beginTotp()));
  const confirm = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      applySession(await confirmTotp(code.trim()));
      setEnrolment(null);
      setCode('');
      announce(t('totp.enabled'));
    });
  };
  const disable = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      applySession(await disableTotp(code.trim()));
      setCode('');
      announce(t('totp.disabled'));
    });
  };

  const codeField = (
    <TextField
      label={t('totp.code')}
      hint={t('totp.codeHint')}
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={8}
      value={code}
      onValue={setCode}
      error={errorsAt(error?.fields, 'code')}
      required
    />
  );

  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">{t('totp.title')}</h2>
      <p>{enabled ? t('totp.isOn') : t('totp.isOff')}</p>
      <ErrorBox error={error} focus />
      {enabled && (
        <form onSubmit={disable} noValidate>
          {codeField}
          <button type="submit" class="danger" disabled={busy}>
            {t('totp.turnOff')}
          </button>
        </form>
      )}
      {!enabled && !enrolment && (
        <button type="button" onClick={() => void begin()} disabled={busy}>
          {t('totp.turnOn')}
        </button>
      )}
      {!enabled && enrolment && (
        <form onSubmit={confirm} noValidate>
          <ol class="steps">
            <li>{t('totp.step1')}</li>
            <li>
              {t('totp.step2')}
              <p class="secret">
                <code>{grouped(enrolment.secret)}</code>
              </p>
              <details>
                <summary>{t('totp.uri')}</summary>
                <p class="break">
                  <code>{enrolment.otpauth_uri}</code>
                </p>
              </details>
            </li>
            <li>{t('totp.step3')}</li>
          </ol>
          {codeField}
          <button type="submit" disabled={busy}>
            {t('totp.confirm')}
          </button>
        </form>
      )}
    </section>
  );
}
