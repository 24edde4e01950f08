// Who is signed in. The API client tells us when a session ended or needs a password change;
// here that becomes a trip to /signin (with a way back) or the forced-change screen.
import { onAuthProblem, setCsrfToken, type ApiError } from './api/client';
import { getSession, signOut } from './api/session';
import type { LocalText, Session } from './api/types';
import { navigate } from './router';
import { createStore, useStore } from './store';

export type SessionState =
  { state: 'loading' } | { state: 'out'; message?: LocalText } | { state: 'in'; session: Session };

export const sessionStore = createStore<SessionState>({ state: 'loading' });

export function applySession(session: Session): void {
  setCsrfToken(session.csrf_token);
  sessionStore.set({ state: 'in', session });
}

export async function loadSession(): Promise<void> {
  try {
    applySession(await getSession());
  } catch {
    setCsrfToken(null);
    sessionStore.set({ state: 'out' });
  }
}

export async function endSession(): Promise<void> {
  try {
    await signOut();
  } catch {
    // the cookie is gone or the server is away: signed out here either way
  }
  setCsrfToken(null);
  sessionStore.set({ state: 'out' });
  navigate('/signin');
}

/** The session of a signed-in screen (screens render only inside the signed-in shell). */
export function useSession(): Session {
  const current = useStore(sessionStore);
  if (current.state !== 'in') throw new Error('useSession outside the signed-in shell');
  return current.session;
}

function authProblem(error: ApiError): void {
  const current = sessionStore.get();
  if (error.code === 'password_change_required' || error.code === 'totp_setup_required') {
    if (current.state === 'in') {
      sessionStore.set({
        state: 'in',
        session: {
          ...current.session,
          must_change_password:
            current.session.must_change_password || error.code === 'password_change_required',
          totp_setup_required:
            current.session.totp_setup_required || error.code === 'totp_setup_required',
        },
      });
    }
    return;
  }
  setCsrfToken(null);
  sessionStore.set({ state: 'out', message: error.message });
  // Already sent to the sign-in (a page's other requests answer 401 too): keep its ?next.
  if (window.location.pathname === '/signin') return;
  const here = window.location.pathname + window.location.search;
  navigate(`/signin?next=${encodeURIComponent(here)}`, { replace: true });
}

onAuthProblem(authProblem);
