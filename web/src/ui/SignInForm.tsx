// The sign-in form, shared by the web app and the field app: username, password, and the TOTP
// code once the server asks for it (focused then). Each app passes its own words and does its
// own sign-in with what the form holds.
import { useEffect, useState } from 'preact/hooks';
import { TextField } from './fields';

export interface SignInWords {
  username: string;
  password: string;
  totp: string;
  totpHint: string;
  submit: string;
  busy: string;
}

/** What a sign-in form holds: username, password and, once the server asks, a TOTP code. */
export interface CredentialForm {
  username: string;
  setUsername: (value: string) => void;
  password: string;
  setPassword: (value: string) => void;
  code: string;
  setCode: (value: string) => void;
  needCode: boolean;
  setNeedCode: (value: boolean) => void;
  /** What the sign-in request sends. */
  credentials: () => { username: string; password: string; totp?: string };
  /** True when a refusal only asks for the TOTP code (the form then shows its field). */
  askedForCode: (error: { code: string }) => boolean;
}

export function useCredentialForm(initialUsername = ''): CredentialForm {
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const credentials = () => ({
    username: username.trim(),
    password,
    ...(needCode ? { totp: code.trim() } : {}),
  });
  const askedForCode = (error: { code: string }) => {
    if (error.code !== 'totp_required' || needCode) return false;
    setNeedCode(true);
    return true;
  };
  return {
    askedForCode,
    username,
    setUsername,
    password,
    setPassword,
    code,
    setCode,
    needCode,
    setNeedCode,
    credentials,
  };
}

export function SignInForm({
  words,
  form,
  busy,
  onSubmit,
}: {
  words: SignInWords;
  form: CredentialForm;
  busy: boolean;
  onSubmit: (event: Event) => void;
}) {
  const { needCode } = form;
  useEffect(() => {
    if (needCode) document.getElementById('signin-totp')?.focus();
  }, [needCode]);
  return (
    <form onSubmit={onSubmit} noValidate class="card">
      <TextField
        id="signin-username"
        label={words.username}
        value={form.username}
        onValue={form.setUsername}
        autoComplete="username"
        autoCapitalize="none"
        spellcheck={false}
        required
      />
      <TextField
        id="signin-password"
        label={words.password}
        type="password"
        value={form.password}
        onValue={form.setPassword}
        autoComplete="current-password"
        required
      />
      {needCode && (
        <TextField
          id="signin-totp"
          label={words.totp}
          hint={words.totpHint}
          value={form.code}
          onValue={form.setCode}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={8}
          required
        />
      )}
      <button type="submit" disabled={busy}>
        {busy ? words.busy : words.submit}
      </button>
    </form>
  );
}
