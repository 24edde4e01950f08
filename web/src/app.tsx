// The shell: skip link, header with the role's menu and the language switch, the page, the
// live region. Signed out it shows the sign-in; a forced password change or TOTP set-up comes
// before anything else.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Role, Session } from './api/types';
import { lang, onLangChange, setLang, t } from './i18n';
import { LANDING, navFor } from './roles';
import { Link, location, match, navigate, safeNext } from './router';
import { ROUTES, loadAccount, type RouteDef, type RouteProps } from './routes';
import { endSession, sessionStore } from './session';
import { useStore } from './store';
import { SignIn } from './screens/SignIn';
import { ErrorBox, LiveRegion, Loading } from './ui/feedback';
import { Page } from './ui/Page';
import { ApiError } from './api/client';

function useLanguage(): void {
  const [, setTick] = useState(0);
  useEffect(() => onLangChange(() => setTick((n) => n + 1)), []);
}

function LanguageSwitch() {
  const next = lang() === 'id' ? 'en' : 'id';
  return (
    <button type="button" class="lang-switch" lang={next} onClick={() => setLang(next)}>
      {next === 'en' ? 'English' : 'Bahasa Indonesia'}
    </button>
  );
}

function Header({ session }: { session: Session | null }) {
  const [open, setOpen] = useState(false);
  const here = useStore(location).path;
  useEffect(() => setOpen(false), [here]);
  const items = session ? navFor(session.user.role) : [];
  return (
    <header class="site-header">
      <div class="bar">
        <Link href="/" class="brand">
          SIPMAS <span>{t('app.agency')}</span>
        </Link>
        <div class="bar-actions">
          <LanguageSwitch />
          {session && (
            <button
              type="button"
              class="menu-toggle"
              aria-expanded={open}
              aria-controls="main-nav"
              onClick={() => setOpen(!open)}
            >
              {t('nav.menu')}
            </button>
          )}
        </div>
      </div>
      {session && (
        <nav id="main-nav" class={open ? 'open' : ''} aria-label={t('nav.label')}>
          <ul>
            {items.map((item) => (
              <li key={item.label}>
                <Link
                  href={item.href}
                  aria-current={
                    here === item.href || here.startsWith(`${item.href}/`) ? 'page' : undefined
                  }
                >
                  {t(item.label)}
                </Link>
              </li>
            ))}
          </ul>
          <div class="who">
            <span>
              {session.user.name || session.user.username}{' '}
              <span class="role">({t(`role.${session.user.role}`)})</span>
            </span>
            <button type="button" class="link-button" onClick={() => void endSession()}>
              {t('nav.signOut')}
            </button>
          </div>
        </nav>
      )}
    </header>
  );
}

/** Loads a route's screen (its chunk) and shows it; keeps screens of visited routes. */
const screens = new Map<string, ComponentType<RouteProps>>();

function RouteView({
  route,
  role,
  params,
}: {
  route: RouteDef;
  role: Role;
  params: Record<string, string>;
}) {
  const key = `${route.pattern}|${role}`;
  const [Screen, setScreen] = useState<ComponentType<RouteProps> | null>(
    () => screens.get(key) ?? null,
  );
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (Screen) return;
    route.load(role).then(
      (loaded) => {
        screens.set(key, loaded);
        setScreen(() => loaded);
      },
      () => setFailed(true),
    );
  }, [key]);
  if (failed) {
    return (
      <Page title={t('error.chunkTitle')}>
        <ErrorBox
          error={new ApiError(0, 'chunk', { id: t('error.chunk'), en: t('error.chunk') })}
        />
        <button type="button" onClick={() => window.location.reload()}>
          {t('common.reload')}
        </button>
      </Page>
    );
  }
  return Screen ? <Screen params={params} /> : <Loading />;
}

function NotFound() {
  return (
    <Page title={t('error.notFoundTitle')}>
      <p>{t('error.notFound')}</p>
      <p>
        <Link href="/">{t('common.home')}</Link>
      </p>
    </Page>
  );
}

function NotAllowed() {
  return (
    <Page title={t('error.forbiddenTitle')}>
      <p>{t('error.forbiddenPage')}</p>
      <p>
        <Link href="/">{t('common.home')}</Link>
      </p>
    </Page>
  );
}

/** The forced password change or TOTP set-up, from the account chunk. */
function Gate({ which }: { which: 'password' | 'totp' }) {
  const [Screen, setScreen] = useState<ComponentType | null>(null);
  useEffect(() => {
    void loadAccount().then((m) =>
      setScreen(() => (which === 'password' ? m.ForcedPassword : m.TotpSetupGate)),
    );
  }, [which]);
  return Screen ? <Screen /> : <Loading />;
}

function SignedIn({ session, path }: { session: Session; path: string }) {
  const role = session.user.role;
  if (session.must_change_password) return <Gate which="password" />;
  if (session.totp_setup_required) return <Gate which="totp" />;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    if (!route.roles.includes(role)) return <NotAllowed />;
    return <RouteView key={path} route={route} role={role} params={params} />;
  }
  return <NotFound />;
}

export function App() {
  useLanguage();
  const current = useStore(sessionStore);
  const here = useStore(location);

  useEffect(() => {
    document.documentElement.lang = lang(); // the session is asked for by main.tsx
  }, []);

  // Send people where they belong: signed out → /signin; signed in → away from /signin and /.
  useEffect(() => {
    if (current.state === 'out' && here.path !== '/signin') {
      const back = here.path === '/' ? '' : `?next=${encodeURIComponent(here.path + here.search)}`;
      navigate(`/signin${back}`, { replace: true });
    }
    if (current.state === 'in' && (here.path === '/signin' || here.path === '/')) {
      const next = safeNext(new URLSearchParams(here.search).get('next'));
      navigate(next ?? LANDING[current.session.user.role], { replace: true });
    }
  }, [current, here.path]);

  const session = current.state === 'in' ? current.session : null;
  return (
    <>
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <Header session={session} />
      <main id="main" tabIndex={-1}>
        {current.state === 'loading' && <Loading />}
        {current.state === 'out' && here.path === '/signin' && <SignIn message={current.message} />}
        {session && here.path !== '/signin' && here.path !== '/' && (
          <SignedIn session={session} path={here.path} />
        )}
      </main>
      <footer class="site-footer">
        <p>{t('app.footer')}</p>
      </footer>
      <LiveRegion />
    </>
  );
}
