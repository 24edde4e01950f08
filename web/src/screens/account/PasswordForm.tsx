import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { changePassword } from '../../api/session';
import { t } from '../../i18n';
import { applySession } from '../../session';
import { announce } from '../../status';
import { ErrorBox } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { TextField } from '../../ui/fields';

/** Change one's own password; the server names what is wrong with the new one. */
export function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setMismatch(next !== again);
    if (next !== again) return;
    setBusy(true);
    setError(null);
    try {
      applySession(await changePassword({ current_password: current, new_password: next }));
      setCurrent('');
      setNext('');
      setAgain('');
      announce(t('account.passwordChanged'));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate class="card">
      <h2>{t('account.passwordTitle')}</h2>
      <ErrorBox error={error} focus />
      <TextField
        label={t('account.currentPassword')}
        type="password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
        error={errorsAt(error?.fields, 'current_password')}
        required
      />
      <TextField
        label={t('account.newPassword')}
        type="password"
        autoComplete="new-password"
        hint={t('account.newPasswordHint')}
        value={next}
        onValue={setNext}
        error={errorsAt(error?.fields, 'new_password')}
        required
      />
      <TextField
        label={t('account.repeatPassword')}
        type="password"
        autoComplete="new-password"
        value={again}
        onValue={setAgain}
        error={mismatch ? [t('account.passwordMismatch')] : undefined}
        required
      />
      <button type="submit" disabled={busy}>
        {busy ? t('common.wait') : t('account.changePassword')}
      </button>
    </form>
  );
}
