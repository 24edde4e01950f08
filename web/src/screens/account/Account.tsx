import { t } from '../../i18n';
import { endSession, useSession } from '../../session';
import { Facts } from '../../ui/bits';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { PasswordForm } from './PasswordForm';
import { TotpPanel } from './TotpPanel';

export function Account() {
  const { user } = useSession();
  const names = useNames();
  const area = [
    ...user.kecamatan_codes.map((code) => `${t('common.kecamatan')} ${names.kecamatan(code)}`),
    ...user.desa_codes.map((code) => names.desa(code)),
  ].join(', ');
  return (
    <Page title={t('account.title')}>
      <section class="card" aria-labelledby="me-title">
        <h2 id="me-title">{t('account.me')}</h2>
        <Facts
          items={[
            [t('account.username'), user.username],
            [t('account.name'), user.name],
            [t('account.role'), t(`role.${user.role}`)],
            [t('account.area'), area || t('account.wholeDistrict')],
            ...(user.opd_code
              ? [[t('account.agency'), names.agency(user.opd_code)] as [string, string]]
              : []),
          ]}
        />
      </section>
      <div class="columns">
        <PasswordForm />
        <TotpPanel />
      </div>
      <p>
        <button type="button" class="secondary" onClick={() => void endSession()}>
          {t('nav.signOut')}
        </button>
      </p>
    </Page>
  );
}
