// Screens that come before everything else until done (the server refuses other calls).
import { t } from '../../i18n';
import { endSession } from '../../session';
import { Page } from '../../ui/Page';
import { PasswordForm } from './PasswordForm';
import { TotpPanel } from './TotpPanel';

function SignOut() {
  return (
    <p>
      <button type="button" class="secondary" onClick={() => void endSession()}>
        {t('nav.signOut')}
      </button>
    </p>
  );
}

export function ForcedPassword() {
  return (
    <Page title={t('gate.passwordTitle')}>
      <p>{t('gate.passwordText')}</p>
      <div class="narrow">
        <PasswordForm />
      </div>
      <SignOut />
    </Page>
  );
}

export function TotpSetupGate() {
  return (
    <Page title={t('gate.totpTitle')}>
      <p>{t('gate.totpText')}</p>
      <div class="narrow">
        <TotpPanel />
      </div>
      <SignOut />
    </Page>
  );
}
