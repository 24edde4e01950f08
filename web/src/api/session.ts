import { del, post, request } from './client';
import type { Session, TotpEnrolment } from './types';

export const getSession = () => request<Session>('GET', '/session', { quiet: true });
export const signIn = (body: { username: string; password: string; totp?: string }) =>
  request<Session>('POST', '/session', { json: body, quiet: true });
export const signOut = () => request<undefined>('DELETE', '/session', { quiet: true });
export const changePassword = (body: { current_password: string; new_password: string }) =>
  post<Session>('/session/password', body);
export const beginTotp = () => post<TotpEnrolment>('/session/totp');
export const confirmTotp = (code: string) => post<Session>('/session/totp/confirm', { code });
export const disableTotp = (code: string) => del<Session>('/session/totp', { code });
