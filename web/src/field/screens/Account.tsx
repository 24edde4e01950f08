// The account on this phone: who, until when the device may send, the last sync, the storage
// (persistent or not, how much is left), installing the app, and signing out — which asks
// first when something is not sent yet, and keeps it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { dateTime, fileSize, num } from '../../format';
import { navigate } from '../../router';
import { announce } from '../../status';
import { useStore } from '../../store';
import { getMeta, read } from '../db';
import { useLive } from '../live';
import { checkSpace, space } from '../storage';
import type { Account as AccountRecord, Work } from '../types';
import { Screen } from '../ui';
import { signOutDevice, unsentCount } from '../work';
import { w } from '../words';
import { installPrompt } from '../install';

export function Account({ account }: { account: AccountRecord }) {
  const room = useStore(space);
  const install = useStore(installPrompt);
  const work = useLive(
    () => read(['meta'], (t) => getMeta<Work>(t, `work:${account.username}`)),
    [account.username],
  );
  const unsent = useLive(() => unsentCount(account.username), [account.username]);
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void checkSpace();
  }, []);

  const signOut = async () => {
    dialog.current?.close();
    setBusy(true);
    const { kept } = await signOutDevice();
    setBusy(false);
    navigate('/field/', { replace: true });
    announce(
      kept
        ? `${w('account.signedOut')} ${w('account.keptUnsent', { n: num(kept) })}`
        : w('account.signedOut'),
      'info',
    );
  };

  const ask = () => {
    if (unsent && dialog.current) dialog.current.showModal();
    else void signOut();
  };

  return (
    <Screen title={w('account.title')}>
      <section class="card" aria-labelledby="who-title">
        <h2 id="who-title">{w('account.device')}</h2>
        <dl class="facts">
          <div>
            <dt>{w('account.who')}</dt>
            <dd>
              {account.name} ({account.username})
            </dd>
          </div>
          <div>
            <dt>{w('account.until')}</dt>
            <dd>{dateTime(account.credentialExpiresAt)}</dd>
          </div>
          <div>
            <dt>{w('account.lastSync')}</dt>
            <dd>{dateTime(account.lastSyncAt)}</dd>
          </div>
        </dl>
        <p class="hint">{w('account.wipe', { days: num(work?.wipeAfterDays ?? 14) })}</p>
      </section>
      <section class="card" aria-labelledby="storage-title">
        <h2 id="storage-title">{w('account.storage')}</h2>
        {room.usage !== null && room.free !== null && (
          <p>{w('account.used', { used: fileSize(room.usage), free: fileSize(room.free) })}</p>
        )}
        <p>{room.persisted ? w('account.persisted') : w('account.notPersisted')}</p>
        {install && (
          <button type="button" class="secondary" onClick={() => void install.prompt()}>
            {w('account.install')}
          </button>
        )}
      </section>
      <p>
        <button type="button" class="danger" disabled={busy} onClick={ask}>
          {busy ? w('account.signingOut') : w('account.signOut')}
        </button>
      </p>
      <dialog ref={dialog} aria-labelledby="signout-title" aria-describedby="signout-text">
        <h2 id="signout-title">{w('account.dialogTitle')}</h2>
        <p id="signout-text">{w('account.dialogText', { n: num(unsent ?? 0) })}</p>
        <div class="actions">
          <button type="button" class="danger" onClick={() => void signOut()}>
            {w('account.dialogConfirm')}
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {w('account.dialogCancel')}
          </button>
        </div>
      </dialog>
    </Screen>
  );
}
