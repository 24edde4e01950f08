// The fields of a sign-in form, shared by the web app and the field app: username, password,
// and the TOTP code once the server asks for it (focused then). Each app passes its own words.
import { useEffect, useState } from 'preact/hooks';
import { TextField } from './fields';

export interface CredentialWords {
  username: string;
  password: string;
  totp: string;
  totpHint: string;
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
  return {
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

export function CredentialFields({
  words,
  form,
}: {
  words: CredentialWords;
  form: CredentialForm;
}) {
  const { needCode } = form;
  useEffect(() => {
    if (needCode) document.getElementById('signin-totp')?.focus();
  }, [needCode]);
  return (
    <>
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
    </>
  );
}
