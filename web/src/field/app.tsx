// The field app's shell: skip link, header (name, signal and sending, language), the menu
// (tasks, outbox with its count, account), the screen, the live region. Without a signed-in
// verifier on the phone it shows the sign-in; what waits stays visible there.
import { useEffect, useState } from 'preact/hooks';
import { lang, onLangChange, setLang } from '../i18n';
import { num } from '../format';
import { Link, location, match } from '../router';
import { useStore } from '../store';
import { LiveRegion } from '../ui/feedback';
import { getAccount, read } from './db';
import { useLive } from './live';
import { syncStatus } from './outbox';
import { Account } from './screens/Account';
import { Outbox } from './screens/Outbox';
import { SignIn } from './screens/SignIn';
import { Tasks } from './screens/Tasks';
import { Visit } from './screens/Visit';
import type { Account as AccountRecord } from './types';
import { w } from './words';

function useLanguage(): void {
  const [, setTick] = useState(0);
  useEffect(() => onLangChange(() => setTick((n) => n + 1)), []);
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

function NetState() {
  const online = useOnline();
  const status = useStore(syncStatus);
  const reachable = online && !(status.problem && !status.running);
  const text = status.running ? w('net.sending') : reachable ? w('net.online') : w('net.offline');
  return (
    <span class={`net-pill ${reachable ? 'online' : 'offline'}`} role="status">
      {text}
    </span>
  );
}

function Header({ account }: { account: AccountRecord | null }) {
  const here = useStore(location).path;
  const waiting = useLive(
    () =>
      account
        ? read(['visits'], (t) => t.by('visits', 'owner', account.username)).then(
            (all) => all.filter((v) => v.state === 'waiting' || v.state === 'sending').length,
          )
        : Promise.resolve(0),
    [account?.username],
  );
  const next = lang() === 'id' ? 'en' : 'id';
  const items: [string, string][] = [
    ['/field/', w('nav.tasks')],
    ['/field/kotak-keluar', `${w('nav.outbox')}${waiting ? ` (${num(waiting)})` : ''}`],
    ['/field/akun', w('nav.account')],
  ];
  return (
    <header class="site-header field-header">
      <div class="bar">
        <Link href="/field/" class="brand">
          {w('app.name')}
        </Link>
        <div class="bar-actions">
          <NetState />
          <button
            type="button"
            class="lang-switch small"
            lang={next}
            aria-label={w('lang.switchLabel')}
            onClick={() => setLang(next)}
          >
            {next.toUpperCase()}
          </button>
        </div>
      </div>
      {account?.signedIn && (
        <nav class="field-nav" aria-label={w('nav.label')}>
          <ul>
            {items.map(([href, label]) => {
              const current =
                href === '/field/'
                  ? here === href || here.startsWith('/field/kunjungan')
                  : here === href;
              return (
                <li key={href}>
                  <Link href={href} aria-current={current ? 'page' : undefined}>
                    {label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      )}
    </header>
  );
}

function Content({ account }: { account: AccountRecord }) {
  const path = useStore(location).path;
  const visit = match('/field/kunjungan/:taskId', path);
  if (visit) return <Visit account={account} taskId={Number(visit.taskId)} />;
  if (path === '/field/kotak-keluar') return <Outbox account={account} />;
  if (path === '/field/akun') return <Account account={account} />;
  return <Tasks account={account} />;
}

export function FieldApp() {
  useLanguage();
  const account = useLive(getAccount, []);
  useEffect(() => {
    document.documentElement.lang = lang();
  }, []);
  return (
    <>
      <a class="skip-link" href="#main">
        {w('app.skip')}
      </a>
      <Header account={account ?? null} />
      <main id="main" tabIndex={-1}>
        {!window.isSecureContext && (
          <div class="alert error" role="alert">
            <p>{w('app.insecure')}</p>
          </div>
        )}
        {account === undefined ? null : account?.signedIn ? (
          <Content account={account} />
        ) : (
          <SignIn account={account} />
        )}
      </main>
      <LiveRegion />
    </>
  );
}
