// Sign-in, online once: the browser session (username, password, a TOTP code when asked),
// then the device credential and the tasks. Unsent visits of whoever used the phone before
// wait here for them, and are never sent with another verifier's credential.
import { useState } from 'preact/hooks';
import { ApiError, asApiError } from '../../api/client';
import { pick } from '../../i18n';
import { num } from '../../format';
import { SignInForm, useCredentialForm } from '../../ui/SignInForm';
import { navigate } from '../../router';
import { announce } from '../../status';
import { SyncProblem } from '../api';
import { read } from '../db';
import { useLive } from '../live';
import { syncNow } from '../outbox';
import type { Account } from '../types';
import { Alert, Screen } from '../ui';
import { SignInRefused, signInDevice } from '../work';
import { w } from '../words';

function useWaitingOfOthers(current: string | null) {
  return useLive(
    () =>
      read(['visits', 'drafts'], async (t) => {
        const counts = new Map<string, number>();
        for (const v of await t.all('visits')) {
          if (v.state !== 'sent') counts.set(v.owner, (counts.get(v.owner) ?? 0) + 1);
        }
        for (const d of await t.all('drafts')) counts.set(d.owner, (counts.get(d.owner) ?? 0) + 1);
        return [...counts].filter(([owner]) => owner !== current);
      }),
    [current],
  );
}

export function SignIn({ account }: { account: Account | null }) {
  const form = useCredentialForm(account?.username ?? '');
  const [error, setError] = useState<ApiError | null>(null);
  const [refused, setRefused] = useState<SignInRefused['reason'] | null>(null);
  const [busy, setBusy] = useState(false);
  const others = useWaitingOfOthers(account?.username ?? null);
  const mine = useWaitingOfOthers(null)?.find(([owner]) => owner === account?.username)?.[1];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setRefused(null);
    // The tasks first, whatever screen was left open — set before the account is marked signed
    // in (the tasks are taken after that): a tap on the menu meanwhile is not undone.
    navigate('/field/', { replace: true });
    try {
      const done = await signInDevice(form.credentials());
      if (done.switchedFrom) announce(w('signin.otherUser', { user: done.switchedFrom }), 'info');
      void syncNow(true);
    } catch (failure) {
      if (failure instanceof SignInRefused) {
        setRefused(failure.reason);
      } else {
        const e =
          failure instanceof SyncProblem
            ? new ApiError(failure.status, failure.code, failure.text)
            : asApiError(failure);
        if (!form.askedForCode(e)) setError(e);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Screen title={w('signin.title')}>
      <div class="narrow">
        <p>{w('signin.intro')}</p>
        {account && !account.signedIn && (
          <Alert tone="info" role="status">
            <p>{w('signin.again', { user: account.username })}</p>
            {mine ? <p>{w('tasks.waitingCount', { n: num(mine) })}</p> : null}
          </Alert>
        )}
        {others?.map(([owner, n]) => (
          <Alert tone="info" key={owner}>
            <p>{w('signin.waitingOther', { n: num(n), user: owner })}</p>
          </Alert>
        ))}
        {error && (
          <div class="alert error" role="alert">
            <p>{error.code === 'network' ? w('signin.needNetwork') : pick(error.message)}</p>
          </div>
        )}
        {refused && (
          <div class="alert error" role="alert">
            <p>{w(refused === 'not_verifier' ? 'signin.notVerifier' : 'signin.mustChange')}</p>
            <p>
              <a href="/">{w('signin.openWeb')}</a>
            </p>
          </div>
        )}
        <SignInForm
          words={{
            username: w('signin.username'),
            password: w('signin.password'),
            totp: w('signin.totp'),
            totpHint: w('signin.totpHint'),
            submit: w('signin.submit'),
            busy: w('signin.busy'),
          }}
          form={form}
          busy={busy}
          onSubmit={submit}
        />
      </div>
    </Screen>
  );
}
